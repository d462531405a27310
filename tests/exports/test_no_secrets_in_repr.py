"""Objects that carry exported secrets, or could carry the environment, never show them in repr()."""

from __future__ import annotations

from pathlib import Path

from entra_profiles.clouds import BUILTIN
from entra_profiles.config.models import Profile
from entra_profiles.exports import github, sh
from entra_profiles.exports.base import FormatOptions, Output, Variable
from entra_profiles.exports.prepare import Prepared
from entra_profiles.routing import route_for

SECRET = "s3cret-value-in-repr-check"
KEY_BYTES = b"-----BEGIN PRIVATE " + b"KEY-----\nkey-bytes-in-repr-check\n"  # split: not a key in git


def test_outputs_and_options_hide_secrets_and_hold_no_environment(tmp_path: Path) -> None:
    variables = [Variable("AZURE_CLIENT_ID", "id"), Variable("AZURE_CLIENT_SECRET", SECRET, secret=True)]
    options = FormatOptions("p", github_file=str(tmp_path / "env"))
    assert "environ" not in repr(options) and "PATH" not in repr(options)
    for output in (sh.render(variables, options), github.render(variables, options)):
        assert SECRET in output.stdout + output.append  # what is delivered holds it …
        assert SECRET not in repr(output)  # … its repr does not
    assert repr(Output(stdout=SECRET, append=SECRET)) == "Output(append_to=None)"
    assert SECRET not in repr(variables)


def test_prepared_hides_key_vault_material(tmp_path: Path) -> None:
    profile = Profile.model_validate(
        {
            "tenant": "contoso.onmicrosoft.com",
            "client_id": "0b9f4a52-6c1d-4e8f-a2b3-c4d5e6f70811",
            "credential": {"type": "client_secret", "secret": SECRET},
        }
    )
    cloud = BUILTIN["Global"]
    prepared = Prepared("p", profile, cloud, route_for(cloud, None), tmp_path, (KEY_BYTES, "pem"))
    text = repr(prepared)
    assert "key-bytes" not in text and "PRIVATE KEY" not in text and "vault_material" not in text
    assert SECRET not in text
