"""Device secrets: the national API device token and the coordinator PIN hash.

Secrets never appear in the config file, the database or the logs. They live in the
operating system's keyring through the `keyring` package:

* On a laptop with a desktop session, keyring's own choice is used (GNOME Keyring / KWallet
  through the Secret Service D-Bus API, macOS Keychain, Windows Credential Locker).
* On a headless Linux kiosk (a Raspberry Pi booting straight into the kiosk, no session D-Bus)
  keyring has no usable backend and raises ``NoKeyringError``. The kiosk then falls back,
  automatically, to ``CredentialFileKeyring``: a root-only credentials file.

The credential-file backend
---------------------------
* Directory: ``$KIOSK_CREDENTIALS_DIR`` when set, otherwise
  ``/var/lib/furusato-kiosk/credentials``. It is created with mode ``0700``; an existing
  directory must be owned by the user the kiosk runs as and must not be accessible to group or
  others, otherwise the backend refuses to read or write (and says why).
* File: ``credentials.json`` in that directory, mode ``0600``, written atomically (temporary file
  + ``fsync`` + ``rename``) under an ``flock`` so concurrent processes (``kiosk run`` and
  ``kiosk sync``) never lose an update. A file readable by group or others is refused.
* systemd credentials: when the service unit passes the file with
  ``LoadCredential=credentials.json:/path/to/credentials.json`` (or ``SetCredentialEncrypted=``),
  systemd exposes it read-only in ``$CREDENTIALS_DIRECTORY``; the backend reads it from there when
  the writable file has no entry.
* The file holds the secrets in plain JSON protected by file permissions, the same protection as
  an SSH host key or ``/etc/shadow``. Full-disk encryption protects a stolen SD card.

To force a backend, use keyring's own switches: ``PYTHON_KEYRING_BACKEND=config.secrets.
CredentialFileKeyring`` (or any other backend) or a ``keyringrc.cfg``.

The coordinator PIN is stored only as a salted scrypt hash, made and checked by `kiosk.pin`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # keyring loads on first use, not at start-up (~0.1 s on the project machine)
    import keyring.backend

    from config.credential_file import CredentialFileKeyring as CredentialFileKeyring

SERVICE: Final = "furusato-kiosk"
CREDENTIALS_DIR_ENV: Final = "KIOSK_CREDENTIALS_DIR"
SYSTEMD_CREDENTIALS_ENV: Final = "CREDENTIALS_DIRECTORY"
DEFAULT_CREDENTIALS_DIR: Final = Path("/var/lib/furusato-kiosk/credentials")
CREDENTIALS_FILE: Final = "credentials.json"
DEVICE_TOKEN: Final = "device_token"
PIN_HASH: Final = "pin_hash"
SERVER_DEVICE_ID: Final = "server_device_id"
_NAMES: Final = (DEVICE_TOKEN, PIN_HASH, SERVER_DEVICE_ID)
ACTIVITY_CODE_KEY_PREFIX: Final = "activity_code_key:"
"""Per activity and day: the delegated key that signs activity codes (`kiosk.activity_code`)."""


def activity_code_key_name(activity_id: str, day: str) -> str:
    """The secret holding the activity code key of an activity on a day (YYYY-MM-DD)."""
    if not activity_id or not day:
        raise ValueError("activity id and day are required")
    return f"{ACTIVITY_CODE_KEY_PREFIX}{activity_id}:{day}"


class SecretStoreError(RuntimeError):
    """The secret store cannot be used; the message says why and what to do."""


def credentials_dir() -> Path:
    """Where the credential-file backend keeps its file (see the module docstring)."""
    configured = os.environ.get(CREDENTIALS_DIR_ENV)
    return Path(configured) if configured else DEFAULT_CREDENTIALS_DIR


def __getattr__(name: str) -> type[CredentialFileKeyring]:
    # `PYTHON_KEYRING_BACKEND=config.secrets.CredentialFileKeyring` and older imports name it here
    if name == "CredentialFileKeyring":
        from config.credential_file import CredentialFileKeyring as CredentialFileKeyring

        return CredentialFileKeyring
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


def default_backend() -> keyring.backend.KeyringBackend:
    """keyring's configured or detected backend, or the credential file when none is usable."""
    import keyring
    import keyring.errors

    from config.credential_file import CredentialFileKeyring as CredentialFileKeyring

    try:
        backend = keyring.get_keyring()
    except (RuntimeError, keyring.errors.KeyringError):  # a misconfigured PYTHON_KEYRING_BACKEND
        return CredentialFileKeyring()
    return backend if _usable(backend) else CredentialFileKeyring()


class SecretStore:
    """The secrets of one device: ``device_token``, ``pin_hash`` (and the server's device id),
    plus one activity code key per activity and day (`activity_code_key_name`).

    Entries are keyed ``<device_id>:<name>`` under the keyring service ``furusato-kiosk``.
    The backend is resolved lazily on first use (no side effects at construction).
    """

    def __init__(
        self,
        device_id: str,
        *,
        service: str = SERVICE,
        backend: keyring.backend.KeyringBackend | None = None,
    ) -> None:
        if not device_id:
            raise ValueError("device_id is required")
        self.device_id = device_id
        self.service = service
        self._backend = backend

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        if self._backend is None:
            self._backend = default_backend()
        return self._backend

    def describe(self) -> str:
        """Which backend holds the secrets (for `kiosk doctor`; never the secrets)."""
        from config.credential_file import CredentialFileKeyring as CredentialFileKeyring

        backend = self.backend
        where = f" at {backend.path}" if isinstance(backend, CredentialFileKeyring) else ""
        return f"{type(backend).__module__}.{type(backend).__name__}{where}"

    def _key(self, name: str) -> str:
        if name not in _NAMES and not name.startswith(ACTIVITY_CODE_KEY_PREFIX):
            raise ValueError(f"unknown secret {name!r}")
        return f"{self.device_id}:{name}"

    def get(self, name: str) -> str | None:
        from keyring.errors import KeyringError

        try:
            return self.backend.get_password(self.service, self._key(name))
        except KeyringError as exc:
            raise SecretStoreError(f"secret store: {exc}") from None

    def set(self, name: str, value: str) -> None:
        if not value:
            raise ValueError("empty secret")
        from keyring.errors import KeyringError

        try:
            self.backend.set_password(self.service, self._key(name), value)
        except KeyringError as exc:
            raise SecretStoreError(f"secret store: {exc}") from None

    def delete(self, name: str) -> bool:
        """Remove a secret; False when there was none."""
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            if self.backend.get_password(self.service, self._key(name)) is None:
                return False
            self.backend.delete_password(self.service, self._key(name))
        except PasswordDeleteError:
            return False
        except KeyringError as exc:
            raise SecretStoreError(f"secret store: {exc}") from None
        return True

    # -- convenience -----------------------------------------------------------------------

    @property
    def device_token(self) -> str | None:
        return self.get(DEVICE_TOKEN)

    @property
    def pin_hash(self) -> str | None:
        return self.get(PIN_HASH)
