"""The device/fleet configuration schema (architecture §6). Unknown keys are errors so a
typo is caught at provisioning, not at the gate. Secrets never live here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl

from config.localgov import expected_check_digit, valid_local_government_code


def _municipality(code: str) -> str:
    if not valid_local_government_code(code):
        digit = expected_check_digit(code)
        hint = f" (check digit should be {digit})" if digit is not None and len(code) == 6 else ""
        raise ValueError(
            f"must be a 6-digit local government code with a valid check digit{hint}"
        )
    return code


MunicipalityCode = Annotated[str, AfterValidator(_municipality)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeviceSection(Strict):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=64)
    municipality: MunicipalityCode
    organisation: str = ""
    database: Path


class TrustSection(Strict):
    jwks_file: Path
    revocations_file: Path | None = None
    clock_skew_seconds: int = Field(default=300, ge=0, le=86400)


class ActivitySection(Strict):
    id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=200)
    venue: str = ""
    organiser: str = ""


class ApiSection(Strict):
    url: HttpUrl
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    batch_size: int = Field(default=200, ge=1, le=500)
    sync_interval_seconds: float = Field(default=15.0, ge=1, le=3600)


class CameraSection(Strict):
    source: str = "0"  # camera index, /dev/videoN, video file, image folder, synthetic:...
    width: int = Field(default=1280, ge=160, le=4096)
    height: int = Field(default=720, ge=120, le=4096)
    fps: int = Field(default=30, ge=1, le=120)


class DecoderSection(Strict):
    backend: Literal["zxing", "pyzbar"] = "zxing"
    rearm_seconds: float = Field(default=3.0, ge=0.2, le=600)
    downscale_width: int = Field(default=640, ge=0, le=4096)


class StorageSection(Strict):
    synchronous: Literal["FULL", "EXTRA", "NORMAL"] = "FULL"


class UiSection(Strict):
    language: Literal["ja", "en"] = "ja"
    banner_seconds: float = Field(default=3.0, ge=0.5, le=60)
    sound: Literal["bell", "command", "off"] = "bell"
    sound_command: list[str] = Field(default_factory=list)  # e.g. ["aplay", "-q", "{sound}"]


class RetentionSection(Strict):
    personal_data_days: int = Field(default=30, ge=0, le=3650)


class LoggingSection(Strict):
    directory: Path | None = None
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class KioskConfig(Strict):
    device: DeviceSection
    trust: TrustSection
    activity: ActivitySection | None = None
    api: ApiSection | None = None  # absent: offline-only
    camera: CameraSection = CameraSection()
    decoder: DecoderSection = DecoderSection()
    storage: StorageSection = StorageSection()
    ui: UiSection = UiSection()
    retention: RetentionSection = RetentionSection()
    logging: LoggingSection = LoggingSection()
