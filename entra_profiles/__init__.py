"""entra-profiles: declarative Microsoft Entra app-only sign-in."""

__version__ = "0.1.0"
