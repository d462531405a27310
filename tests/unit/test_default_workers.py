"""How many worker processes a batch gets by default: one per 500 profiles' worth of work, at most one
per core, a distinct certificate weighing as 25 profiles (cryptography checks its RSA key as it loads it:
tens of ms of one core), so that a batch of many certificates spreads over the cores."""

from __future__ import annotations

from pathlib import Path

from entra_profiles.config.loader import load_profiles
from entra_profiles.run.runner import default_workers, distinct_certificates

TENANT = "00000000-0000-4000-8000-000000000001"
APP = "00000000-0000-4000-8000-000000000002"


def test_plain_profiles_get_a_worker_per_500_at_most_one_per_core() -> None:
    assert [default_workers(n, cpus=4) for n in (1, 200, 999, 1000, 1500, 5000)] == [1, 1, 1, 2, 3, 4]


def test_distinct_certificates_weigh_as_25_profiles_each() -> None:
    assert default_workers(200, cpus=2, certificates=4) == 1  # a few shared certificates: one process
    assert default_workers(200, cpus=2, certificates=40) == 2
    assert default_workers(200, cpus=8, certificates=200) == 8
    assert default_workers(200, cpus=1, certificates=200) == 1


def test_a_certificate_is_counted_once_however_its_path_is_written(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    profiles = "".join(
        f"  p{i}:\n    tenant: {TENANT}\n    client_id: {APP}\n    credential: {credential}\n"
        for i, credential in enumerate(
            [
                "{type: certificate, path: certs/app.pem}",
                "{type: certificate, path: ./certs/app.pem}",
                f"{{type: certificate, path: {tmp_path}/certs/app.pem}}",
                "{type: certificate, path: certs/other.pem}",
                "{type: certificate, keyvault: https://contoso.vault.azure.net/certificates/app}",
                "{type: client_secret, secret: s3cret}",
                "{type: certificate, thumbprint: 0123456789ABCDEF0123456789ABCDEF01234567}",
            ]
        )
    )
    path = tmp_path / "profiles.yaml"
    path.write_text(f"version: 1\nprofiles:\n{profiles}", encoding="utf-8")
    ps = load_profiles(path)
    assert not ps.problems, ps.problems
    assert distinct_certificates(ps, list(ps.profiles)) == 3  # app.pem, other.pem, the Key Vault one
    assert distinct_certificates(ps, ["p0", "p2", "p5", "p6"]) == 1
