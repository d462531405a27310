"""Checks on a connection's context: what a person should know even when the token was issued."""

from __future__ import annotations

from typing import Any


def check_context(context: dict[str, Any], scope: str) -> list[str]:
    """Warnings about a connection that succeeded."""
    warnings = []
    resource = scope.removesuffix("/.default")
    if not context.get("Scopes"):
        warnings.append(
            f"the token carries no roles for {resource}: admin consent is probably missing, and every call "
            "will fail with 403 (grant the app's application permissions and consent in the tenant)"
        )
    return warnings
