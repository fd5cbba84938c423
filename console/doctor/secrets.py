"""The webhook signing secret(s): present, and shaped like Stripe's. Shown masked only."""

from __future__ import annotations

import re

from console.core.config import Secret, Settings
from console.doctor.report import Check

#: Stripe signing secrets are `whsec_` + at least 32 characters (CLI ones are longer).
#: The guide says "64+ characters"; Dashboard secrets are shorter, so that is not enforced.
WEBHOOK_SECRET_MIN_LENGTH = len("whsec_") + 32


def check_webhook_secrets(settings: Settings) -> list[Check]:
    """Presence and shape of the signing secret(s); the value is only ever shown masked."""
    secrets = settings.webhook_secrets()
    if not secrets:
        return [
            Check(
                "webhook_secret",
                "warn",
                "STRIPE_WEBHOOK_SECRET is not set: signature checks cannot run",
                "export STRIPE_WEBHOOK_SECRET=whsec_… (Stripe Dashboard -> Developers -> "
                "Webhooks -> your endpoint -> Signing secret)",
            )
        ]
    return [_secret_shape(secret, n) for n, secret in enumerate(secrets)]


def _secret_shape(secret: Secret, n: int) -> Check:
    name = "webhook_secret" if n == 0 else f"webhook_secret_{n + 1}"
    value = secret.reveal()
    shown = secret.masked
    fix = "copy the endpoint's Signing secret again from the Stripe Dashboard"
    if value.startswith(("sk_", "rk_", "pk_")):
        return Check(name, "fail", f"{shown} is an API key, not a signing secret", fix)
    if not value.startswith("whsec_"):
        return Check(name, "fail", f"{shown} does not start with whsec_", fix)
    if re.search(r"[\s'\"]", value):
        return Check(name, "fail", f"{shown} contains spaces or quotes (a copy-paste slip?)", fix)
    if not re.fullmatch(r"whsec_[A-Za-z0-9+/=]+", value):
        return Check(name, "fail", f"{shown} contains characters Stripe never uses", fix)
    if len(value) < WEBHOOK_SECRET_MIN_LENGTH:
        return Check(
            name, "warn", f"{shown} is {len(value)} characters, shorter than Stripe's", fix
        )
    return Check(name, "ok", f"{shown} ({len(value)} characters, whsec_ format)")
