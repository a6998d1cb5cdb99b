"""The credential-file keyring backend: secrets in a root-only JSON file, for headless Linux
kiosks where no desktop keyring runs. The file's rules are in `config.secrets`' docstring.

Select it explicitly with ``PYTHON_KEYRING_BACKEND=config.secrets.CredentialFileKeyring``
(the name `config.secrets` re-exports); this module is imported only when a secret is used.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring.backend
import keyring.errors

from config.atomic_file import write_atomically
from config.secrets import CREDENTIALS_FILE, SYSTEMD_CREDENTIALS_ENV, credentials_dir


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
        data = json.dumps(document, sort_keys=True).encode("utf-8")
        write_atomically(self.path, data, mode=0o600)
