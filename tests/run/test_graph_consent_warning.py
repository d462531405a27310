"""A Graph token without roles warns (admin consent missing), however the profile spells Graph's scope."""

from __future__ import annotations

from runsupport import RunProfiles, by_name

UNCONSENTED = """  {name}:
    tenant: contoso.onmicrosoft.com
    client_id: 3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f
    credential: {{type: client_secret, secret: sandbox-secret-unconsented}}
    scopes: ['{scope}']
"""
GRAPH_SPELLINGS = {
    "trailing-slash": "https://graph.microsoft.com//.default",
    "plain": "https://graph.microsoft.com/.default",
    "app-id": "00000003-0000-0000-c000-000000000000/.default",
    "us-government": "https://graph.microsoft.us/.default",
    "china": "https://microsoftgraph.chinacloudapi.cn/.default",
    "upper-case": "HTTPS://GRAPH.MICROSOFT.COM/.default",
}


def test_no_roles_for_graph_warns_whatever_the_spelling(run_profiles: RunProfiles) -> None:
    profiles = "".join(UNCONSENTED.format(name=n, scope=s) for n, s in GRAPH_SPELLINGS.items())
    profiles += UNCONSENTED.format(name="arm", scope="https://management.azure.com/.default")
    r = run_profiles(profiles, "--format", "json")
    results = by_name(r)
    assert r.code == 0, r.err
    for name, scope in GRAPH_SPELLINGS.items():
        resource = scope.removesuffix("/.default")
        assert results[name]["warnings"] == [
            f"the token carries no roles for {resource}: admin consent is probably missing, and every call will "
            "fail with 403 (grant the app's application permissions and consent in the tenant)"
        ], name
    assert results["arm"]["warnings"] == []  # Azure Resource Manager grants by role assignment: no roles expected
