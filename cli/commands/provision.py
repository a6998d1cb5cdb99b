"""`kiosk provision FILE [--device ID] [--check]`: make this machine a working kiosk.

Steps, each printed as it is done:
1. validate the config (a device file, or one device of a fleet file with --device);
   `--check` stops here (a fleet file without --device: every device is validated);
2. create the database and the log folder with owner-only permissions (when run as root, new
   files take the owner of their folder, so `install -d -o furusato-kiosk` decides who owns
   them); refuse a damaged database;
3. check the trust anchor pin (`[trust] anchor_file` / `anchor_thumbprint`) and the
   provisioned trust list; a missing list is refused unless an anchor is pinned (then step 4b
   writes it from the signed statement); `[api]` without a pin is allowed but warned about;
4. enroll the device with its one-time token ($KIOSK_ENROLLMENT_TOKEN or --enrollment-token)
   through `sync.enroll.enroll_device`: the device token goes to the keyring only; the
   server marks the enrollment token used;
4b. with a pin: fetch the national trust statement, accept it only if the pinned anchor signed
   it, keep it as the device's last good statement (and write `trust.jwks_file` from it when
   the file is missing) — nothing unsigned ever becomes the trust list;
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
from kiosk.trust_anchor import AnchorPin, TrustAnchorError, configured_pins

TOKEN_ENV = "KIOSK_ENROLLMENT_TOKEN"
PIN_ENV = "KIOSK_COORDINATOR_PIN"
log = logging.getLogger("kiosk.provision")


def _say(text: str) -> None:
    sys.stdout.write(f"✓ {text}\n")
    sys.stdout.flush()


def _warn(text: str) -> None:
    sys.stdout.write(f"! {text}\n")
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


def _pins(config: KioskConfig) -> tuple[AnchorPin, ...]:
    try:
        return configured_pins(config.trust.anchor_file, config.trust.anchor_thumbprint)
    except TrustAnchorError as exc:
        raise UsageError(f"[trust] anchor: {exc} (`national-api anchor export FILE`)") from None


def _ensure_trust_list(config: KioskConfig) -> list[str]:
    """What is said about the anchor pin and the provisioned trust list (checked, not fetched:
    a missing list comes from the signed statement after enrollment, when a pin allows it)."""
    pins, path, said = _pins(config), config.trust.jwks_file, []
    if pins:
        said.append(f"trust anchor pinned: {', '.join(p.thumbprint for p in pins)}")
    if path.exists():
        try:
            keys = json.loads(path.read_text(encoding="utf-8")).get("keys", [])
        except (OSError, UnicodeDecodeError, ValueError, AttributeError) as exc:
            raise UsageError(f"trust.jwks_file {path}: not a JWKS file ({exc})") from None
        said.append(f"trust list {path}: {len(keys)} key(s)")
    elif config.api is None:
        raise UsageError(
            f"trust.jwks_file {path} does not exist; copy the municipality's jwks.json there"
        )
    elif not pins:
        raise UsageError(
            f"trust.jwks_file {path} does not exist and no trust anchor is pinned: copy the"
            " municipality's jwks.json there, or set [trust] anchor_file so the list can be"
            " taken from the signed national trust statement (an unsigned download is refused)"
        )
    return said


def _take_signed_trust(config: KioskConfig, token: str) -> str:
    """Fetch the trust statement, accept it only with the pinned anchor, keep it as the last
    good statement (writing `trust.jwks_file` from it when the file is missing)."""
    from datetime import UTC, datetime

    from kiosk.store import Store
    from kiosk.trust import Accepted, verify_statement
    from kiosk.trust_anchor import TrustState
    from sync.api_errors import ApiError
    from sync.client import ApiClient

    assert config.api is not None
    api, path = config.api, config.trust.jwks_file
    try:
        with ApiClient(str(api.url), token=token, timeout=api.timeout_seconds) as client:
            fetched = client.trust_statement()
            offset = client.server_time.offset if client.server_time else None
    except ApiError as exc:
        raise CommandFailed(f"cannot fetch the national trust statement: {exc}") from None
    now = datetime.now(UTC) + offset if offset is not None else datetime.now(UTC)
    statement = fetched.token or ""
    if not path.exists():
        checked = verify_statement(statement, TrustState.initial(_pins(config)), now.timestamp())
        if not isinstance(checked, Accepted):
            raise CommandFailed(
                f"the national trust statement was refused: {checked.reason.value}"
                f" {checked.detail} (is [trust] anchor_file the national anchor?)"
            )
        document = json.dumps(checked.statement.jwks, indent=2, sort_keys=True) + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, document.encode("utf-8"), mode=0o644)
    from cli.compose import build_trust
    from cli.errors import SetupError

    store = Store.open(config.device.database, synchronous=config.storage.synchronous)
    try:
        offered = build_trust(config, store).offer(statement, now)
    except SetupError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()
    if offered.refusal is not None:
        raise CommandFailed(
            f"the national trust statement was refused: {offered.refusal.reason.value}"
            f" {offered.refusal.detail} (is [trust] anchor_file the national anchor?)"
        )
    return f"signed trust statement #{offered.sequence} verified with the pinned anchor and kept"


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
    for line in _ensure_trust_list(config):
        _say(line)
    if (
        config.api is not None
        and not config.trust.anchor_file
        and not config.trust.anchor_thumbprint
    ):
        _warn(
            "no trust anchor pinned: pass keys will never be refreshed from the national API"
            " (set [trust] anchor_file; see docs/operations.md, 'Trust anchor')"
        )
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
    if config.api is not None and (config.trust.anchor_file or config.trust.anchor_thumbprint):
        token = store.get(DEVICE_TOKEN)
        if token:
            _say(_take_signed_trust(config, token))
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
