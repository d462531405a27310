"""Credential builders, one module per credential type, and certificate loading and store lookup."""
