"""`kiosk provision FILE [--device ID] [--check]`: make this machine a working kiosk.

Steps, each printed as it is done:
1. validate the config (a device file, or one device of a fleet file with --device);
   `--check` stops here (a fleet file without --device: every device is validated);
2. create the database and the log folder with owner-only permissions (when run as root, new
   files take the owner of their folder, so `install -d -o furusato-kiosk` decides who owns
   them); refuse a damaged database;
3. make sure the trust list exists (downloaded from the API when missing);
4. enroll the device with its one-time token ($KIOSK_ENROLLMENT_TOKEN or --enrollment-token)
   through `sync.enroll.enroll_device`: the device token goes to the keyring only; the
   server marks the enrollment token used;
5. store the coordinator PIN as a salted scrypt hash ($KIOSK_COORDINATOR_PIN, --pin, or asked
   twice on the terminal); the PIN itself is never stored;
6. with --write-config PATH, write this device's resolved config file (fleet -> device file).

Everything that can fail locally is checked before the enrollment token is spent.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli.errors import EXIT_OK, CommandFailed, UsageError
from config.atomic_file import write_atomically
from config.fleet import dump_toml, is_fleet
from config.load import ConfigError, load_config, load_fleet
from config.schema import KioskConfig
from kiosk.logs import default_log_directory, setup_from_config
from kiosk.pin import PinPolicyError, check_pin_policy, hash_pin
from kiosk.store import DatabaseError
from kiosk.store.health import verify_before_open

TOKEN_ENV = "KIOSK_ENROLLMENT_TOKEN"
PIN_ENV = "KIOSK_COORDINATOR_PIN"
log = logging.getLogger("kiosk.provision")


def _say(text: str) -> None:
    sys.stdout.write(f"✓ {text}\n")
    sys.stdout.flush()


def _is_fleet_file(path: Path) -> bool:
    import tomllib

    try:
        return is_fleet(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # load_config reports it precisely


def _check_only(args: argparse.Namespace) -> int:
    if args.device is None and _is_fleet_file(args.file):
        configs = load_fleet(args.file)
        for device_id, config in configs.items():
            _say(f"{args.file}: device {device_id} ({config.device.name}) valid")
        _say(f"{len(configs)} devices valid")
        return EXIT_OK
    config = load_config(args.file, device_id=args.device)
    _say(f"{args.file}: device {config.device.id} ({config.device.name}) valid")
    return EXIT_OK


def _adopt_owner(path: Path) -> None:
    """As root, give a new file or folder to the owner of its parent folder."""
    if os.geteuid() != 0:
        return
    parent = path.parent.stat()
    if parent.st_uid != 0:
        os.chown(path, parent.st_uid, parent.st_gid)


def _prepare_storage(config: KioskConfig) -> list[str]:
    done = []
    database = config.device.database
    folder = database.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        _adopt_owner(folder)
        done.append(f"created {folder} (mode 0700)")
    existed = database.exists()
    from kiosk.store import Store

    try:
        verify_before_open(database)
        Store.open(database, synchronous=config.storage.synchronous).close()
    except DatabaseError as exc:
        raise UsageError(str(exc)) from None
    for suffix in ("", "-wal", "-shm"):
        part = database.with_name(database.name + suffix)
        if part.exists():
            os.chmod(part, 0o600)
            _adopt_owner(part)
    done.append(f"{'checked' if existed else 'created'} database {database} (mode 0600)")
    logs = config.logging.directory or default_log_directory()
    if not logs.exists():
        logs.mkdir(parents=True, mode=0o750)
        _adopt_owner(logs)
        done.append(f"created log folder {logs} (mode 0750)")
    return done


def _ensure_trust_list(config: KioskConfig) -> str:
    path = config.trust.jwks_file
    if path.exists():
        try:
            keys = json.loads(path.read_text(encoding="utf-8")).get("keys", [])
        except (OSError, UnicodeDecodeError, ValueError, AttributeError) as exc:
            raise UsageError(f"trust.jwks_file {path}: not a JWKS file ({exc})") from None
        return f"trust list {path}: {len(keys)} key(s)"
    if config.api is None:
        raise UsageError(
            f"trust.jwks_file {path} does not exist; copy the municipality's jwks.json there"
        )
    from sync.api_errors import ApiError
    from sync.client import ApiClient

    try:
        with ApiClient(str(config.api.url), timeout=config.api.timeout_seconds) as client:
            document = client.jwks().document
    except ApiError as exc:
        raise CommandFailed(f"cannot download the trust list: {exc}") from None
    if not document:
        raise CommandFailed("the API returned no trust list")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return f"downloaded trust list to {path}: {len(document.get('keys', []))} key(s)"


def _read_pin(args: argparse.Namespace, config: KioskConfig, has_pin: bool) -> str | None:
    pin = args.pin or os.environ.get(PIN_ENV)
    if not pin and not has_pin and sys.stdin.isatty():
        pin = getpass.getpass("coordinator PIN: ")
        if getpass.getpass("again: ") != pin:
            raise UsageError("the two PINs differ")
    if not pin:
        if has_pin:
            return None
        raise UsageError(f"no coordinator PIN: set {PIN_ENV} (or --pin, or run on a terminal)")
    try:
        return check_pin_policy(pin, min_length=config.coordinator.pin_min_length)
    except PinPolicyError as exc:
        raise UsageError(str(exc)) from None


def provision(
    args: argparse.Namespace, config: KioskConfig, secrets_factory: Callable[[str], Any]
) -> None:
    from config.secrets import DEVICE_TOKEN, PIN_HASH, SERVER_DEVICE_ID, SecretStoreError

    for line in _prepare_storage(config):
        _say(line)
    _say(_ensure_trust_list(config))
    store = secrets_factory(config.device.id)
    try:
        has_token = bool(store.get(DEVICE_TOKEN))
        has_pin = bool(store.get(PIN_HASH))
        where = store.describe()
    except SecretStoreError as exc:
        raise CommandFailed(f"{exc} (nothing was enrolled)") from None
    pin = _read_pin(args, config, has_pin)
    if config.api is not None:
        token = args.enrollment_token or os.environ.get(TOKEN_ENV)
        if token:
            from sync.enroll import EnrollmentFailed, enroll_device

            try:
                server_id = enroll_device(
                    str(config.api.url),
                    token,
                    config.device.id,
                    store,
                    timeout=config.api.timeout_seconds,
                    name=config.device.name,
                )
            except EnrollmentFailed as exc:
                if exc.status in (403, 409):
                    raise UsageError(str(exc)) from None
                raise CommandFailed(str(exc)) from None
            except SecretStoreError as exc:
                raise CommandFailed(f"enrolled, but the token was not stored: {exc}") from None
            _say(f"enrolled with {config.api.url}: server device id {server_id}")
            _say(f"device token stored in {where} (never in a file you edit)")
        elif has_token:
            _say(f"already enrolled (server device id {store.get(SERVER_DEVICE_ID)}); token kept")
        else:
            raise UsageError(
                f"this device is not enrolled: set {TOKEN_ENV} (or --enrollment-token) to the"
                " one-time token from the national system"
            )
    else:
        _say("offline-only device (no [api]): no enrollment")
    if pin is not None:
        try:
            store.set(PIN_HASH, hash_pin(pin))
        except SecretStoreError as exc:
            raise CommandFailed(str(exc)) from None
        _say(f"coordinator PIN stored as a salted scrypt hash in {where}")
    else:
        _say("coordinator PIN kept")


def _write_config(config: KioskConfig, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, dump_toml(config).encode("utf-8"), mode=0o644)
    try:
        load_config(target, environ={})
    except ConfigError as exc:  # would be a bug in dump_toml: say so, keep nothing broken
        target.unlink()
        raise CommandFailed(f"generated config did not validate: {exc}") from None
    _say(f"wrote this device's config to {target}")


def run(args: argparse.Namespace) -> int:
    try:
        if args.check:
            return _check_only(args)
        config = load_config(args.file, device_id=args.device)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    _say(f"{args.file}: device {config.device.id} ({config.device.name}) valid")
    from config.secrets import SecretStore

    provision(args, config, SecretStore)
    if args.write_config is not None:
        _write_config(config, args.write_config)
    try:
        setup_from_config(config)
        log.info("provisioned", extra={"api": str(config.api.url) if config.api else None})
    except OSError:
        pass
    _say(f"done — next: kiosk doctor --config {args.write_config or args.file}")
    return EXIT_OK
