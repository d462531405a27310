"""Checks on a connection's context: what a person should know even when the token was issued."""

from __future__ import annotations

from typing import Any

from entra_profiles.clouds import is_graph_scope


def check_context(context: dict[str, Any], scope: str, graph_scope: str) -> list[str]:
    """Warnings about a connection that succeeded. Only a Graph token without roles is suspect: Key
    Vault and Azure Resource Manager grant by role assignment (RBAC), and their tokens carry none."""
    warnings = []
    resource = scope.removesuffix("/.default")
    if not context.get("Scopes") and is_graph_scope(scope, graph_scope.removesuffix("/.default")):
        warnings.append(
            f"the token carries no roles for {resource}: admin consent is probably missing, and every call "
            "will fail with 403 (grant the app's application permissions and consent in the tenant)"
        )
    return warnings
