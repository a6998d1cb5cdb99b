"""The device configuration schema (architecture §6), documented key by key.

A device config is one TOML file; a fleet file (`config.fleet`) shares defaults between many
devices and produces one of these per device. Unknown keys are errors so a typo is caught at
provisioning, not at the gate. Secrets (device token, coordinator PIN) never live here: they
go to the keyring through `kiosk provision`.

Sections and keys (defaults in brackets):

[device]       id, name, municipality (6-digit local government code, check digit verified),
               organisation [""], database (SQLite file)
[trust]        jwks_file, revocations_file [none], clock_skew_seconds [300],
               anchor_file [none], anchor_thumbprint [none] (the national trust anchor pin)
[activity]     id, name, venue [""], organiser [""]    (optional section)
[api]          url (https://...; absent section = offline-only), timeout_seconds [10],
               batch_size [200], sync_interval_seconds [15], pull_interval_seconds [300],
               retry_max_seconds [300]
[camera]       source ["0"], width [1280], height [720], fps [30], backend ["any"],
               read_timeout_seconds [2]
[decoder]      backend ["zxing"], rearm_seconds [3], downscale_width [640],
               cascade_budget_ms [30]
[storage]      synchronous ["FULL"], min_free_mb [200]
[ui]           language ["ja"], banner_seconds [3], sound ["bell"], sound_command [[]],
               undo_window_seconds [120]
               (sound = "command": `{sound}` in sound_command is the shipped cue file for the
               outcome, `{outcome}` its name; `kiosk.sounds`)
[coordinator]  pin_min_length [4], max_failures [5], lockout_seconds [30],
               lockout_max_seconds [900]
[retention]    personal_data_days [30]
[logging]      directory [XDG state dir, or /var/log/furusato-kiosk as root], level ["INFO"],
               max_bytes [5 MiB], backups [5]
[doctor]       camera_timeout_seconds [5], api_timeout_seconds [5],
               max_clock_offset_seconds [30], min_columns [80], min_rows [24]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from config.localgov import expected_check_digit, is_valid_code
from config.urls import http_url
from config.validation import Check, Length, Parse, Pattern, Range

# Each section is a frozen dataclass checked by `config.validation.validate`: constraints are
# `Annotated` metadata; `cross_check` holds the rules between a section's fields.


def _municipality(code: str) -> str:
    if not is_valid_code(code):
        digit = expected_check_digit(code)
        hint = f" (check digit should be {digit})" if digit is not None and len(code) == 6 else ""
        raise ValueError(
            f'must be a 6-digit local government code with a valid check digit{hint}, e.g. "131016"'
        )
    return code


def _https_unless_loopback(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise ValueError(
            "must use https:// (plain http:// is only allowed for localhost / 127.0.0.1)"
        )
    return url


def _sound_command(command: list[str]) -> list[str]:
    if command and not command[0].strip():
        raise ValueError('the first element must be a program, e.g. ["aplay", "-q", "{sound}"]')
    return command


def _anchor_thumbprint(value: str) -> str:
    """An RFC 7638 SHA-256 JWK thumbprint: 43 base64url characters, as
    `national-api anchor show` prints it."""
    text = value.strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise ValueError(
            "looks like a hex digest; give the base64url thumbprint (43 characters) that "
            "`national-api anchor show` prints"
        )
    if re.fullmatch(r"[A-Za-z0-9_-]{43}", text) is None:
        raise ValueError(
            "must be an RFC 7638 JWK thumbprint: 43 base64url characters (A-Z a-z 0-9 - _), "
            "no padding, as `national-api anchor show` prints it"
        )
    return text


MunicipalityCode = Annotated[str, Check(_municipality)]
# a plain str, normalised as pydantic's HttpUrl did: "https://api.example.org" -> ".../"
ApiUrl = Annotated[str, Parse(http_url), Check(_https_unless_loopback)]


@dataclass(frozen=True, kw_only=True, slots=True)
class DeviceSection:
    """Who this kiosk is. `id` is this device's name in the fleet file and in logs."""

    id: Annotated[str, Length(min=1, max=64), Pattern(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    name: Annotated[str, Length(min=1, max=64)]
    municipality: MunicipalityCode
    organisation: Annotated[str, Length(max=128)] = ""  # 自治会, RMO, NPO... (optional)
    database: Path


@dataclass(frozen=True, kw_only=True, slots=True)
class TrustSection:
    """Pass keys and revocations; the national trust anchor that must sign their updates.

    The anchor is pinned by `anchor_file` (its public JWK, or a JWK Set, as
    `national-api anchor export` writes it) or by `anchor_thumbprint` (its RFC 7638 thumbprint;
    the key then arrives with the first statement), not both."""

    jwks_file: Path  # initial trust list, refreshed from the API
    revocations_file: Path | None = None  # {"jti": [...], "sub": [...]}
    clock_skew_seconds: Annotated[int, Range(ge=0, le=86400)] = 300
    anchor_file: Path | None = None  # the national trust anchor's public key (JWK / JWKS)
    anchor_thumbprint: Annotated[str, Check(_anchor_thumbprint)] | None = None

    def cross_check(self) -> None:
        if self.anchor_file is not None and self.anchor_thumbprint is not None:
            raise ValueError(
                "give anchor_file or anchor_thumbprint, not both (the file already names the key)"
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class ActivitySection:
    """The activity used when none was chosen or pulled from the API."""

    id: Annotated[str, Length(min=1, max=128)]
    name: Annotated[str, Length(min=1, max=200)]
    venue: str = ""
    organiser: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class ApiSection:
    url: ApiUrl  # base URL; API paths start with /v1
    timeout_seconds: Annotated[float, Range(gt=0, le=120)] = 10.0
    batch_size: Annotated[int, Range(ge=1, le=500)] = 200  # check-ins per upload request
    sync_interval_seconds: Annotated[float, Range(ge=1, le=3600)] = 15.0  # outbox upload period
    pull_interval_seconds: Annotated[float, Range(ge=10, le=86400)] = 300.0  # activities/keys/revs
    retry_max_seconds: Annotated[float, Range(ge=1, le=3600)] = 300.0  # back-off cap offline


@dataclass(frozen=True, kw_only=True, slots=True)
class CameraSection:
    source: Annotated[str, Length(min=1)] = "0"  # index, /dev/videoN, file, folder, synthetic:
    width: Annotated[int, Range(ge=160, le=4096)] = 1280
    height: Annotated[int, Range(ge=120, le=4096)] = 720
    fps: Annotated[int, Range(ge=1, le=120)] = 30
    backend: Literal["any", "v4l2", "gstreamer", "ffmpeg"] = "any"  # OpenCV capture API
    read_timeout_seconds: Annotated[float, Range(gt=0, le=60)] = 2.0  # slower read = reconnect


@dataclass(frozen=True, kw_only=True, slots=True)
class DecoderSection:
    backend: Literal["zxing", "pyzbar"] = "zxing"
    rearm_seconds: Annotated[float, Range(ge=0.2, le=600)] = 3.0  # same code again = no new scan
    downscale_width: Annotated[int, Range(ge=0, le=4096)] = 640  # 0 disables the fast pass
    cascade_budget_ms: Annotated[float, Range(ge=0, le=1000)] = 30.0  # recovery cascade bound


@dataclass(frozen=True, kw_only=True, slots=True)
class StorageSection:
    synchronous: Literal["FULL", "EXTRA", "NORMAL"] = "FULL"
    min_free_mb: Annotated[int, Range(ge=0, le=1_000_000)] = 200  # doctor warns below this


@dataclass(frozen=True, kw_only=True, slots=True)
class UiSection:
    language: Literal["ja", "en"] = "ja"
    banner_seconds: Annotated[float, Range(ge=0.5, le=60)] = 3.0
    sound: Literal["bell", "command", "off"] = "bell"
    sound_command: Annotated[list[str], Check(_sound_command)] = field(
        default_factory=list
    )  # e.g. ["aplay", "-q", "{sound}"]: {sound} = the shipped WAV cue (kiosk.sounds)
    # A volunteer may undo the device's last check-in, once, for this long after it was made
    # (0: never; older check-ins are the coordinator's to void).
    undo_window_seconds: Annotated[float, Range(ge=0, le=3600)] = 120.0

    def cross_check(self) -> None:
        if self.sound == "command" and not self.sound_command:
            raise ValueError(
                'sound = "command" needs sound_command, e.g. ["aplay", "-q", "{sound}"]'
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class CoordinatorSection:
    """The coordinator PIN screen (the PIN hash itself lives in the keyring)."""

    pin_min_length: Annotated[int, Range(ge=4, le=12)] = 4
    max_failures: Annotated[int, Range(ge=1, le=20)] = 5  # wrong PINs before the first lock-out
    lockout_seconds: Annotated[float, Range(ge=1, le=3600)] = 30.0  # doubles per further failure
    lockout_max_seconds: Annotated[float, Range(ge=1, le=86400)] = 900.0

    def cross_check(self) -> None:
        if self.lockout_max_seconds < self.lockout_seconds:
            raise ValueError("lockout_max_seconds must be >= lockout_seconds")


@dataclass(frozen=True, kw_only=True, slots=True)
class RetentionSection:
    # Paper-form names/contacts and rejected-scan details are purged this many days after the
    # scan, once synced and the day closed (`kiosk purge`). 0 = at the next purge.
    personal_data_days: Annotated[int, Range(ge=0, le=3650)] = 30


@dataclass(frozen=True, kw_only=True, slots=True)
class LoggingSection:
    directory: Path | None = None  # default: $XDG_STATE_HOME/furusato-kiosk/log, root: /var/log
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_bytes: Annotated[int, Range(ge=64 * 1024, le=1024 * 1024 * 1024)] = 5 * 1024 * 1024
    backups: Annotated[int, Range(ge=1, le=100)] = 5


@dataclass(frozen=True, kw_only=True, slots=True)
class DoctorSection:
    camera_timeout_seconds: Annotated[float, Range(gt=0, le=60)] = 5.0
    api_timeout_seconds: Annotated[float, Range(gt=0, le=60)] = 5.0
    max_clock_offset_seconds: Annotated[float, Range(ge=1, le=86400)] = 30.0
    min_columns: Annotated[int, Range(ge=20, le=1000)] = 80
    min_rows: Annotated[int, Range(ge=10, le=1000)] = 24


@dataclass(frozen=True, kw_only=True, slots=True)
class KioskConfig:
    device: DeviceSection
    trust: TrustSection
    activity: ActivitySection | None = None
    api: ApiSection | None = None  # absent: offline-only
    camera: CameraSection = field(default_factory=CameraSection)
    decoder: DecoderSection = field(default_factory=DecoderSection)
    storage: StorageSection = field(default_factory=StorageSection)
    ui: UiSection = field(default_factory=UiSection)
    coordinator: CoordinatorSection = field(default_factory=CoordinatorSection)
    retention: RetentionSection = field(default_factory=RetentionSection)
    logging: LoggingSection = field(default_factory=LoggingSection)
    doctor: DoctorSection = field(default_factory=DoctorSection)
