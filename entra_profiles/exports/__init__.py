"""Export formats: a plain registry, format name → render function (see base.py for the contract)."""

from __future__ import annotations

from entra_profiles.exports import azure_pipelines, dotenv, fish, github, gitlab, json_format, powershell, sh
from entra_profiles.exports.base import Render

FORMATS: dict[str, Render] = {
    "sh": sh.render,
    "dotenv": dotenv.render,
    "fish": fish.render,
    "powershell": powershell.render,
    "json": json_format.render,
    "github": github.render,
    "azure-pipelines": azure_pipelines.render,
    "gitlab": gitlab.render,
}
