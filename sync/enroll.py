"""Device enrollment: a one-time enrollment token becomes a device token in the keyring.

Used by `kiosk provision` (and anything else that enrolls a device). The device token goes
to the `SecretStore` only; it is never printed, logged or written to the config or database.
"""

from __future__ import annotations

import httpx

from config.secrets import DEVICE_TOKEN, SERVER_DEVICE_ID, SecretStore
from sync.api_errors import ApiError
from sync.client import ApiClient


class EnrollmentFailed(RuntimeError):
    """Enrollment did not succeed; the message is one line for the operator."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


def enroll_device(
    api_url: str,
    enrollment_token: str,
    device_id: str,
    secrets: SecretStore,
    *,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
    name: str | None = None,
) -> str:
    """Enroll this device; store its token; return the device id the server assigned.

    `device_id` is the config's ``[device] id``; `name` is what people call the gate (the
    config's ``[device] name``, e.g. "Gate 1"), sent as the device's name so other gates can
    say where a registrant was first checked in (default: `device_id`). Raises
    `EnrollmentFailed` with a one-line reason (unknown/used token, unreachable server...), or
    `config.secrets.SecretStoreError` before contacting the server when the secret store
    cannot be written (the one-time token is then still unused).
    """
    if not enrollment_token.strip():
        raise EnrollmentFailed("the enrollment token is empty")
    # The token is one-time: prove the secret store is writable before the server consumes it
    # (raises SecretStoreError, and the enrollment token stays unused).
    previous_id = secrets.get(SERVER_DEVICE_ID)
    secrets.set(SERVER_DEVICE_ID, previous_id or "enrolling")
    try:
        with ApiClient(api_url, timeout=timeout, transport=transport) as client:
            enrollment = client.enroll(enrollment_token.strip(), name=name or device_id)
    except ApiError as exc:
        if exc.status == 403:
            reason = "the enrollment token is unknown or expired"
        elif exc.status == 409:
            reason = "the enrollment token was already used; ask for a new one"
        elif exc.status is None:
            reason = f"national API unreachable at {api_url}: {exc}"
        else:
            reason = f"enrollment refused: {exc}"
        if previous_id is None:
            secrets.delete(SERVER_DEVICE_ID)
        raise EnrollmentFailed(reason, status=exc.status, code=exc.code) from None
    secrets.set(DEVICE_TOKEN, enrollment.device_token)
    secrets.set(SERVER_DEVICE_ID, enrollment.device_id)
    return enrollment.device_id
