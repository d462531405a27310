"""Entra's AADSTS error codes: what each means and what to do about it."""

from __future__ import annotations

import re

AADSTS_RE = re.compile(r"AADSTS(\d+)")

# code: (meaning, hint)
CODES: dict[str, tuple[str, str]] = {
    "90002": ("tenant not found", "check the tenant id or domain; the tenant may live in another cloud (set cloud:)"),
    "90038": ("the tenant belongs to another national cloud", "set the profile's cloud (USGov, China, …)"),
    "700016": (
        "application not found in the tenant",
        "check client_id; the app may be registered in another tenant or not consented in this one",
    ),
    "7000215": ("invalid client secret", "use the secret's Value, not its Secret ID; or the secret was rotated"),
    "7000222": ("the client secret has expired", "create a new client secret for the app and update the reference"),
    "700027": (
        "the client assertion's signature is invalid or its certificate is unknown to the app",
        "upload the certificate's public part to the app registration (Certificates & secrets)",
    ),
    "700024": (
        "the client assertion is outside its valid time range",
        "a CI ID token may have expired during a long job, or a clock is off",
    ),
    "7000112": ("the application is disabled", "enable the app's service principal in the tenant"),
    "50027": ("the assertion is not a valid JWT (issuer, audience or time)", "check the token source"),
    "700030": (
        "the certificate's subject is not allowed for subject-name + issuer auth",
        "send the certificate chain (send_certificate_chain: true), or register the subject",
    ),
    "70021": (
        "no federated credential matches the assertion's issuer, subject and audience",
        "check the app's federated credentials against the CI token's iss, sub and aud",
    ),
    "53003": ("blocked by Conditional Access", "ask the tenant's admins which policy applies to the app"),
    "50126": ("invalid credentials", "check the secret or certificate"),
    "700025": ("the client is public, not confidential", "use a confidential app registration"),
    "500011": (
        "the resource the scope names has no service principal in the tenant",
        "check the scope's resource URI (app-only scopes are {resource}/.default); the API may not be "
        "provisioned in this tenant",
    ),
    "901002": ("the v2 endpoint does not take a 'resource' parameter", "ask for a scope: {resource}/.default"),
    "900561": ("the token endpoint only accepts POST requests", "check the authority URL and any proxy in between"),
    "900023": (
        "the tenant is neither a valid GUID nor a domain name",
        "use the tenant's id (a GUID) or one of its verified domains",
    ),
    "9002313": (
        "Entra could not read the request",
        "a proxy may have altered it, or the client assertion is malformed",
    ),
    "7000229": (
        "the app has no service principal in the tenant",
        "an admin of the tenant must consent to the app (this creates its service principal)",
    ),
}


def find_code(text: str) -> str | None:
    match = AADSTS_RE.search(text)
    return match.group(1) if match else None


def explain(code: str) -> tuple[str, str | None]:
    """(meaning, hint) for an AADSTS code; unknown codes get a pointer to Microsoft's lookup."""
    if code in CODES:
        return CODES[code]
    return ("Entra refused the sign-in", f"look the code up at https://login.microsoftonline.com/error?code={code}")
