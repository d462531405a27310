"""The sandbox: a local Entra token service, managed identity endpoints, CI OIDC issuer, Key Vault and
Graph slice over real HTTPS on loopback. `Sandbox` is imported lazily to keep this package light."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import Sandbox

__all__ = ["Sandbox"]


def __getattr__(name: str) -> Any:
    if name == "Sandbox":
        from .api import Sandbox

        return Sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
