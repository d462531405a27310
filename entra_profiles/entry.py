"""The process's entry, `entra-profiles` and `python -m entra_profiles`: the cycle collector is paused
before anything is imported, and resumed once the command is (cli.cli). The imports make tens of
thousands of objects that all live to the end and no garbage cycles; collecting meanwhile re-reads
them some fifty times (~12 ms of a run's start-up)."""

import gc


def main() -> None:
    gc.disable()
    from entra_profiles.cli import main as cli_main

    cli_main(collector_paused=True)
