from entra_profiles.cli import main

main()
