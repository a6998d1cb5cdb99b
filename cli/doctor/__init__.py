"""`kiosk doctor`: small, time-bounded checks in a registry, one ✓/!/✗ line each.

A check is a function `(Context) -> Result` registered with `@check(...)` in one of
`CHECK_MODULES` (device, network, storage, trust, session, sounds, scanner). `run_checks` runs
each in a worker thread and gives up after its time bound (a hung camera driver cannot hang the
doctor), so one bad check never stops the others.
Every failure (✗) carries a `fix`: what to do about it, in one or two sentences.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from config.schema import KioskConfig


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


SYMBOLS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "-"}
_RANK = {Status.SKIP: 0, Status.OK: 0, Status.WARN: 1, Status.FAIL: 2}


@dataclass(frozen=True, slots=True)
class Result:
    status: Status
    summary: str
    fix: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


def fix_provision(ctx: Context) -> str:
    """The fix for anything provisioning sets up (the database, the secrets)."""
    where = ctx.config_path or "/etc/furusato-kiosk/kiosk.toml"
    return f"run `sudo kiosk provision {where}` (docs/operations.md, 'Provisioning')"


def ok(summary: str, **details: Any) -> Result:
    return Result(Status.OK, summary, "", details)


def warn(summary: str, fix: str = "", **details: Any) -> Result:
    return Result(Status.WARN, summary, fix, details)


def fail(summary: str, fix: str, **details: Any) -> Result:
    return Result(Status.FAIL, summary, fix, details)


def skip(summary: str) -> Result:
    return Result(Status.SKIP, summary)


@dataclass
class Context:
    """What the checks may look at. `config` is None when it could not be loaded."""

    config: KioskConfig | None
    config_path: Path | None
    config_error: str | None
    environ: Mapping[str, str]
    secret_store: Callable[[], Any] | None = None  # () -> config.secrets.SecretStore
    play_sounds: bool = False  # `kiosk doctor --play`: the sounds check plays each cue
    scanner_scan: Callable[[], str | None] | None = None  # `--scanner`: shows the code, reads
    # one scan of it (None: none arrived in time)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    func: Callable[[Context], Result]
    timeout: Callable[[Context], float]
    needs_config: bool


REGISTRY: list[Check] = []
CHECK_MODULES = (
    "cli.doctor.device",  # config, camera, decoder, keyring
    "cli.doctor.network",  # api, ntp
    "cli.doctor.storage",  # database, disk, pending, retention
    "cli.doctor.trust",  # the anchor pin and the last good trust statement
    "cli.doctor.session",  # terminal, logs
    "cli.doctor.sounds",  # sounds
    "cli.doctor.scanner",  # the keyboard-wedge scanner's settings (`--scanner`)
)


def check(
    name: str,
    *,
    timeout: float | Callable[[Context], float] = 5.0,
    needs_config: bool = False,
) -> Callable[[Callable[[Context], Result]], Callable[[Context], Result]]:
    """Register a check under `name` (order of registration = order of the report)."""

    def register(func: Callable[[Context], Result]) -> Callable[[Context], Result]:
        bound = timeout if callable(timeout) else (lambda _ctx, t=float(timeout): t)
        REGISTRY[:] = [c for c in REGISTRY if c.name != name]
        REGISTRY.append(Check(name, func, bound, needs_config))
        return func

    return register


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    result: Result
    duration_ms: float

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.result.status.value,
            "summary": self.result.summary,
            "fix": self.result.fix or None,
            "details": dict(self.result.details),
            "duration_ms": round(self.duration_ms, 1),
        }


def run_one(item: Check, ctx: Context) -> Outcome:
    if item.needs_config and ctx.config is None:
        return Outcome(item.name, skip("needs a valid config"), 0.0)
    bound = item.timeout(ctx)
    box: list[Result] = []
    started = time.monotonic()

    def work() -> None:
        try:
            box.append(item.func(ctx))
        except Exception as exc:  # a check must never crash the doctor
            box.append(
                fail(
                    f"check crashed: {type(exc).__name__}: {exc}",
                    "report this with the output of `kiosk doctor --json`",
                )
            )

    worker = threading.Thread(target=work, name=f"doctor-{item.name}", daemon=True)
    worker.start()
    worker.join(bound)
    elapsed = (time.monotonic() - started) * 1000
    if not box:
        return Outcome(
            item.name,
            fail(
                f"did not finish within {bound:g} s",
                "the device or service behind this check hangs; reboot the kiosk and re-run",
            ),
            elapsed,
        )
    return Outcome(item.name, box[0], elapsed)


def run_checks(ctx: Context, names: Sequence[str] | None = None) -> list[Outcome]:
    for module in CHECK_MODULES:  # registering the built-in checks, in report order
        importlib.import_module(module)
    chosen = [c for c in REGISTRY if names is None or c.name in names]
    # report order is module order, whoever imported a check module first
    order = {module: n for n, module in enumerate(CHECK_MODULES)}
    chosen.sort(key=lambda c: order.get(c.func.__module__, len(order)))
    return [run_one(item, ctx) for item in chosen]


def worst(outcomes: Sequence[Outcome]) -> Status:
    statuses = [o.result.status for o in outcomes] or [Status.OK]
    top = max(statuses, key=lambda s: _RANK[s])
    return Status.OK if top is Status.SKIP else top


def render_text(outcomes: Sequence[Outcome], *, header: str = "") -> str:
    width = max((len(o.name) for o in outcomes), default=8) + 2
    lines = [header] if header else []
    for o in outcomes:
        lines.append(f"{SYMBOLS[o.result.status]} {o.name.ljust(width)}{o.result.summary}")
        if o.result.fix and o.result.status in (Status.FAIL, Status.WARN):
            lines.append(f"  {' ' * width}fix: {o.result.fix}")
    failures = sum(o.result.status is Status.FAIL for o in outcomes)
    warnings = sum(o.result.status is Status.WARN for o in outcomes)
    lines.append(
        f"{failures} failure{'s' if failures != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
        + (" — ready" if failures == 0 else " — not ready: fix the ✗ lines above")
    )
    return "\n".join(lines)


def render_json(outcomes: Sequence[Outcome], **meta: Any) -> str:
    document = {**meta, "status": worst(outcomes).value, "checks": [o.to_json() for o in outcomes]}
    return json.dumps(document, ensure_ascii=False, indent=2)
