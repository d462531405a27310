from entra_profiles.entry import main

main()
