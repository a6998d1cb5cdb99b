"""The doctor's check registry: bounded time, crashes contained, rendering, exit status."""

from __future__ import annotations

import json
import threading

from cli.doctor import (
    Check,
    Context,
    Outcome,
    Result,
    Status,
    fail,
    ok,
    render_json,
    render_text,
    run_one,
    warn,
    worst,
)


def context() -> Context:
    return Context(config=None, config_path=None, config_error="no config", environ={})


def test_a_hanging_check_is_cut_off_at_its_bound() -> None:
    release = threading.Event()

    def hangs(_ctx: Context) -> Result:
        release.wait()  # a camera driver that never answers
        return ok("never seen")

    try:
        outcome = run_one(Check("camera", hangs, lambda _ctx: 0.05, False), context())
    finally:
        release.set()
    assert outcome.result.status is Status.FAIL
    assert outcome.result.summary == "did not finish within 0.05 s"
    assert outcome.result.fix


def test_a_crashing_check_becomes_a_failure_not_a_traceback() -> None:
    def crashes(_ctx: Context) -> Result:
        raise RuntimeError("driver exploded")

    outcome = run_one(Check("decoder", crashes, lambda _ctx: 5.0, False), context())
    assert outcome.result.status is Status.FAIL
    assert "RuntimeError: driver exploded" in outcome.result.summary


def test_checks_needing_a_config_are_skipped_without_one() -> None:
    outcome = run_one(Check("database", lambda _ctx: ok("x"), lambda _ctx: 1.0, True), context())
    assert outcome.result.status is Status.SKIP


def test_rendering_and_worst_status() -> None:
    outcomes = [
        Outcome("config", ok("valid"), 1.0),
        Outcome("ntp", warn("not synchronised", "enable NTP"), 2.0),
        Outcome("camera", fail("no camera: /dev/video0 does not exist", "plug it in"), 3.0),
    ]
    text = render_text(outcomes, header="kiosk doctor — device d1")
    assert text.splitlines() == [
        "kiosk doctor — device d1",
        "✓ config  valid",
        "! ntp     not synchronised",
        "          fix: enable NTP",
        "✗ camera  no camera: /dev/video0 does not exist",
        "          fix: plug it in",
        "1 failure, 1 warning — not ready: fix the ✗ lines above",
    ]
    assert worst(outcomes) is Status.FAIL
    assert worst(outcomes[:2]) is Status.WARN
    assert worst([]) is Status.OK
    document = json.loads(render_json(outcomes, device="d1"))
    assert document["status"] == "fail"
    assert [c["status"] for c in document["checks"]] == ["ok", "warn", "fail"]
    assert document["checks"][2]["fix"] == "plug it in"


def test_the_linux_console_is_reported_as_unable_to_draw_japanese() -> None:
    from cli.doctor import run_checks

    ctx = Context(None, None, "no config", environ={"TERM": "linux", "LANG": "C.UTF-8"})
    (outcome,) = run_checks(ctx, names=["terminal"])
    assert outcome.result.status is Status.FAIL
    assert "cannot draw Japanese" in outcome.result.summary
    assert "cage+foot" in outcome.result.fix


def test_the_registry_lists_every_promised_check() -> None:
    from cli.doctor import REGISTRY, run_checks

    run_checks(context(), names=[])  # loads the built-in checks
    names = [c.name for c in REGISTRY]
    for name in ("config", "camera", "decoder", "keyring", "api", "ntp", "database", "disk"):
        assert name in names
    for name in ("pending", "terminal", "logs"):
        assert name in names
