"""The device configuration schema (architecture §6), documented key by key.

A device config is one TOML file; a fleet file (`config.fleet`) shares defaults between many
devices and produces one of these per device. Unknown keys are errors so a typo is caught at
provisioning, not at the gate. Secrets (device token, coordinator PIN) never live here: they
go to the keyring through `kiosk provision`.

Sections and keys (defaults in brackets):

[device]       id, name, municipality (6-digit local government code, check digit verified),
               organisation [""], database (SQLite file)
[trust]        jwks_file, revocations_file [none], clock_skew_seconds [300]
[activity]     id, name, venue [""], organiser [""]    (optional section)
[api]          url (https://...; absent section = offline-only), timeout_seconds [10],
               batch_size [200], sync_interval_seconds [15], pull_interval_seconds [300],
               retry_max_seconds [300]
[camera]       source ["0"], width [1280], height [720], fps [30], backend ["any"],
               read_timeout_seconds [2]
[decoder]      backend ["zxing"], rearm_seconds [3], downscale_width [640],
               cascade_budget_ms [30]
[storage]      synchronous ["FULL"], min_free_mb [200]
[ui]           language ["ja"], banner_seconds [3], sound ["bell"], sound_command [[]]
[coordinator]  pin_min_length [4], max_failures [5], lockout_seconds [30],
               lockout_max_seconds [900]
[retention]    personal_data_days [30]
[logging]      directory [XDG state dir, or /var/log/furusato-kiosk as root], level ["INFO"],
               max_bytes [5 MiB], backups [5]
[doctor]       camera_timeout_seconds [5], api_timeout_seconds [5],
               max_clock_offset_seconds [30], min_columns [80], min_rows [24]
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, model_validator

from config.localgov import expected_check_digit, is_valid_code


def _municipality(code: str) -> str:
    if not is_valid_code(code):
        digit = expected_check_digit(code)
        hint = f" (check digit should be {digit})" if digit is not None and len(code) == 6 else ""
        raise ValueError(
            f'must be a 6-digit local government code with a valid check digit{hint}, e.g. "131016"'
        )
    return code


def _http_url(url: HttpUrl) -> HttpUrl:
    if url.scheme == "http" and url.host not in ("localhost", "127.0.0.1", "::1", "[::1]"):
        raise ValueError(
            "must use https:// (plain http:// is only allowed for localhost / 127.0.0.1)"
        )
    return url


def _sound_command(command: list[str]) -> list[str]:
    if command and not command[0].strip():
        raise ValueError('the first element must be a program, e.g. ["aplay", "-q", "{sound}"]')
    return command


MunicipalityCode = Annotated[str, AfterValidator(_municipality)]
ApiUrl = Annotated[HttpUrl, AfterValidator(_http_url)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeviceSection(Strict):
    """Who this kiosk is. `id` is this device's name in the fleet file and in logs."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=64)
    municipality: MunicipalityCode
    organisation: str = Field(default="", max_length=128)  # 自治会, RMO, NPO... (optional)
    database: Path


class TrustSection(Strict):
    jwks_file: Path  # initial trust list, refreshed from the API
    revocations_file: Path | None = None  # {"jti": [...], "sub": [...]}
    clock_skew_seconds: int = Field(default=300, ge=0, le=86400)


class ActivitySection(Strict):
    """The activity used when none was chosen or pulled from the API."""

    id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=200)
    venue: str = ""
    organiser: str = ""


class ApiSection(Strict):
    url: ApiUrl  # base URL; API paths start with /v1
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    batch_size: int = Field(default=200, ge=1, le=500)  # check-ins per upload request
    sync_interval_seconds: float = Field(default=15.0, ge=1, le=3600)  # outbox upload period
    pull_interval_seconds: float = Field(default=300.0, ge=10, le=86400)  # activities/keys/revs
    retry_max_seconds: float = Field(default=300.0, ge=1, le=3600)  # back-off cap when offline


class CameraSection(Strict):
    source: str = Field(default="0", min_length=1)  # index, /dev/videoN, file, folder, synthetic:
    width: int = Field(default=1280, ge=160, le=4096)
    height: int = Field(default=720, ge=120, le=4096)
    fps: int = Field(default=30, ge=1, le=120)
    backend: Literal["any", "v4l2", "gstreamer", "ffmpeg"] = "any"  # OpenCV capture API
    read_timeout_seconds: float = Field(default=2.0, gt=0, le=60)  # slower read = reconnect


class DecoderSection(Strict):
    backend: Literal["zxing", "pyzbar"] = "zxing"
    rearm_seconds: float = Field(default=3.0, ge=0.2, le=600)  # same code again = no new scan
    downscale_width: int = Field(default=640, ge=0, le=4096)  # 0 disables the fast pass
    cascade_budget_ms: float = Field(default=30.0, ge=0, le=1000)  # recovery cascade bound


class StorageSection(Strict):
    synchronous: Literal["FULL", "EXTRA", "NORMAL"] = "FULL"
    min_free_mb: int = Field(default=200, ge=0, le=1_000_000)  # doctor warns below this


class UiSection(Strict):
    language: Literal["ja", "en"] = "ja"
    banner_seconds: float = Field(default=3.0, ge=0.5, le=60)
    sound: Literal["bell", "command", "off"] = "bell"
    sound_command: Annotated[list[str], AfterValidator(_sound_command)] = Field(
        default_factory=list
    )  # e.g. ["aplay", "-q", "{sound}"]

    @model_validator(mode="after")
    def _command_given(self) -> UiSection:
        if self.sound == "command" and not self.sound_command:
            raise ValueError(
                'sound = "command" needs sound_command, e.g. ["aplay", "-q", "{sound}"]'
            )
        return self


class CoordinatorSection(Strict):
    """The coordinator PIN screen (the PIN hash itself lives in the keyring)."""

    pin_min_length: int = Field(default=4, ge=4, le=12)
    max_failures: int = Field(default=5, ge=1, le=20)  # wrong PINs before the first lock-out
    lockout_seconds: float = Field(default=30.0, ge=1, le=3600)  # doubles per further failure
    lockout_max_seconds: float = Field(default=900.0, ge=1, le=86400)

    @model_validator(mode="after")
    def _ordered(self) -> CoordinatorSection:
        if self.lockout_max_seconds < self.lockout_seconds:
            raise ValueError("lockout_max_seconds must be >= lockout_seconds")
        return self


class RetentionSection(Strict):
    # Paper-form names/contacts and rejected-scan details are purged this many days after the
    # scan, once synced and the day closed (`kiosk purge`). 0 = at the next purge.
    personal_data_days: int = Field(default=30, ge=0, le=3650)


class LoggingSection(Strict):
    directory: Path | None = None  # default: $XDG_STATE_HOME/furusato-kiosk/log, root: /var/log
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_bytes: int = Field(default=5 * 1024 * 1024, ge=64 * 1024, le=1024 * 1024 * 1024)
    backups: int = Field(default=5, ge=1, le=100)


class DoctorSection(Strict):
    camera_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    api_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    max_clock_offset_seconds: float = Field(default=30.0, ge=1, le=86400)
    min_columns: int = Field(default=80, ge=20, le=1000)
    min_rows: int = Field(default=24, ge=10, le=1000)


class KioskConfig(Strict):
    device: DeviceSection
    trust: TrustSection
    activity: ActivitySection | None = None
    api: ApiSection | None = None  # absent: offline-only
    camera: CameraSection = CameraSection()
    decoder: DecoderSection = DecoderSection()
    storage: StorageSection = StorageSection()
    ui: UiSection = UiSection()
    coordinator: CoordinatorSection = CoordinatorSection()
    retention: RetentionSection = RetentionSection()
    logging: LoggingSection = LoggingSection()
    doctor: DoctorSection = DoctorSection()
