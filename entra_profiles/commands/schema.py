"""`schema`: print the JSON Schema of the profile file format."""

from __future__ import annotations

import json

import click

from entra_profiles.output import out


@click.command(
    epilog="""\b
Example:
  entra-profiles schema > schemas/profiles.schema.json"""
)
def schema() -> None:
    """Print the JSON Schema of profiles files (for editors and CI linters)."""
    from entra_profiles.config.partial import json_schema

    out(json.dumps(json_schema(), indent=2, sort_keys=True))
