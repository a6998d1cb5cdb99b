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

import contextlib
import fcntl
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail

SERVICE: Final = "furusato-kiosk"
CREDENTIALS_DIR_ENV: Final = "KIOSK_CREDENTIALS_DIR"
SYSTEMD_CREDENTIALS_ENV: Final = "CREDENTIALS_DIRECTORY"
DEFAULT_CREDENTIALS_DIR: Final = Path("/var/lib/furusato-kiosk/credentials")
CREDENTIALS_FILE: Final = "credentials.json"
DEVICE_TOKEN: Final = "device_token"
PIN_HASH: Final = "pin_hash"
SERVER_DEVICE_ID: Final = "server_device_id"
_NAMES: Final = (DEVICE_TOKEN, PIN_HASH, SERVER_DEVICE_ID)


class SecretStoreError(RuntimeError):
    """The secret store cannot be used; the message says why and what to do."""


def credentials_dir() -> Path:
    """Where the credential-file backend keeps its file (see the module docstring)."""
    configured = os.environ.get(CREDENTIALS_DIR_ENV)
    return Path(configured) if configured else DEFAULT_CREDENTIALS_DIR


class CredentialFileKeyring(keyring.backend.KeyringBackend):
    """A keyring backend storing secrets in a root-only JSON file (headless Linux kiosks).

    It ranks below every real keyring and above keyring's "fail" backend, so keyring itself
    only picks it when nothing else works.
    """

    priority = 0.1

    def __init__(self, directory: Path | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._directory = directory

    @property
    def directory(self) -> Path:
        return self._directory if self._directory is not None else credentials_dir()

    @property
    def path(self) -> Path:
        return self.directory / CREDENTIALS_FILE

    # -- keyring API ---------------------------------------------------------------------

    def get_password(self, service: str, username: str) -> str | None:
        value = self._entries(self._read(self.path)).get(service, {}).get(username)
        if value is None:
            value = self._systemd_entry(service, username)
        return value

    def set_password(self, service: str, username: str, password: str) -> None:
        try:
            with self._locked():
                document = self._read(self.path)
                entries = self._entries(document)
                entries.setdefault(service, {})[username] = password
                self._write({"version": 1, "entries": entries})
        except OSError as exc:
            raise keyring.errors.PasswordSetError(f"{self.path}: {exc.strerror}") from None

    def delete_password(self, service: str, username: str) -> None:
        try:
            with self._locked():
                entries = self._entries(self._read(self.path))
                if username not in entries.get(service, {}):
                    raise keyring.errors.PasswordDeleteError("no such secret")
                del entries[service][username]
                if not entries[service]:
                    del entries[service]
                self._write({"version": 1, "entries": entries})
        except OSError as exc:
            raise keyring.errors.PasswordDeleteError(f"{self.path}: {exc.strerror}") from None

    # -- file handling -------------------------------------------------------------------

    def _check_private(self, path: Path, *, directory: bool) -> None:
        info = path.stat()
        if info.st_uid != os.geteuid():
            raise keyring.errors.KeyringError(
                f"{path} belongs to uid {info.st_uid}, not to this user; refusing to use it"
            )
        if stat.S_IMODE(info.st_mode) & 0o077:
            mode = "0700" if directory else "0600"
            raise keyring.errors.KeyringError(
                f"{path} is accessible to group or others; run: chmod {mode} {path}"
            )

    def _ensure_directory(self) -> Path:
        directory = self.directory
        if not directory.exists():
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(directory, 0o700)
        self._check_private(directory, directory=True)
        return directory

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        directory = self._ensure_directory()
        fd = os.open(directory / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _read(self, path: Path) -> dict[str, Any]:
        if not path.exists():
            return {}
        self._check_private(path.parent, directory=True)
        self._check_private(path, directory=False)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise keyring.errors.KeyringError(f"cannot read {path}: {exc}") from None
        return document if isinstance(document, dict) else {}

    @staticmethod
    def _entries(document: dict[str, Any]) -> dict[str, dict[str, str]]:
        raw = document.get("entries", {})
        if not isinstance(raw, dict):
            return {}
        return {
            str(service): {str(k): str(v) for k, v in names.items()}
            for service, names in raw.items()
            if isinstance(names, dict)
        }

    def _systemd_entry(self, service: str, username: str) -> str | None:
        base = os.environ.get(SYSTEMD_CREDENTIALS_ENV)
        if not base:
            return None
        path = Path(base) / CREDENTIALS_FILE
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        if not isinstance(document, dict):
            return None
        return self._entries(document).get(service, {}).get(username)

    def _write(self, document: dict[str, Any]) -> None:
        directory = self.directory
        fd, temp = tempfile.mkstemp(prefix=".credentials-", dir=directory)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


def default_backend() -> keyring.backend.KeyringBackend:
    """keyring's configured or detected backend, or the credential file when none is usable."""
    try:
        backend = keyring.get_keyring()
    except (RuntimeError, keyring.errors.KeyringError):  # a misconfigured PYTHON_KEYRING_BACKEND
        return CredentialFileKeyring()
    return backend if _usable(backend) else CredentialFileKeyring()


class SecretStore:
    """The secrets of one device: ``device_token``, ``pin_hash`` (and the server's device id).

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
        backend = self.backend
        where = f" at {backend.path}" if isinstance(backend, CredentialFileKeyring) else ""
        return f"{type(backend).__module__}.{type(backend).__name__}{where}"

    def _key(self, name: str) -> str:
        if name not in _NAMES:
            raise ValueError(f"unknown secret {name!r}")
        return f"{self.device_id}:{name}"

    def get(self, name: str) -> str | None:
        try:
            return self.backend.get_password(self.service, self._key(name))
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"secret store: {exc}") from None

    def set(self, name: str, value: str) -> None:
        if not value:
            raise ValueError("empty secret")
        try:
            self.backend.set_password(self.service, self._key(name), value)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"secret store: {exc}") from None

    def delete(self, name: str) -> bool:
        """Remove a secret; False when there was none."""
        try:
            if self.backend.get_password(self.service, self._key(name)) is None:
                return False
            self.backend.delete_password(self.service, self._key(name))
        except keyring.errors.PasswordDeleteError:
            return False
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"secret store: {exc}") from None
        return True

    # -- convenience -----------------------------------------------------------------------

    @property
    def device_token(self) -> str | None:
        return self.get(DEVICE_TOKEN)

    @property
    def pin_hash(self) -> str | None:
        return self.get(PIN_HASH)
