"""`python -m entra_profiles.sandbox serve --state-dir DIR`."""

from .cli import sandbox

if __name__ == "__main__":
    sandbox(prog_name="python -m entra_profiles.sandbox")
