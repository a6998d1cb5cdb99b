"""`kiosk sync`: upload the outbox (check-ins, then corrections) and pull activities, the
signed trust statement (unsigned revocations on a device without an anchor pin) and activity
code keys.

``--once`` does one pass and prints a summary (``--json`` for one JSON object: ``pending``
counts check-ins and corrections still to send, ``corrections`` what happened to corrections,
``not_counted`` the accepted ones that do not count toward premium, ``pull_error`` why the pull
after the upload failed). The summary counts every batch the server answered, also when a later
one failed. Exit status 1 with a one-line reason when check-ins or corrections remain pending
(the national API unreachable, the device not enrolled); 0 when everything was uploaded and
only the pull after it failed (said on standard error).
Without ``--once`` it keeps syncing in the foreground (one line per state change) until
SIGINT/SIGTERM — for headless kiosks that scan with ``kiosk scan`` in another process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

from cli.compose import build_sync_worker, build_trust, open_store, read_config
from cli.errors import EXIT_OK, CommandFailed, SetupError, UsageError
from config.schema import KioskConfig
from config.secrets import SecretStore, SecretStoreError
from kiosk.clock import SystemClock, ntp_synchronised
from kiosk.logs import setup_from_config, stop_logging
from kiosk.models import SyncState
from sync.pulls import PullSummary
from sync.worker import SyncReport, SyncWorker

ONCE_MAX_FAILURES = 4


def _open(config: KioskConfig, token: str, secrets: SecretStore) -> SyncWorker:
    try:
        store = open_store(config)
    except SetupError as exc:
        raise CommandFailed(str(exc)) from None
    try:
        trust = build_trust(config, store)
    except SetupError:
        store.close()
        raise
    worker = build_sync_worker(
        config,
        store,
        trust.verifier,
        SystemClock(ntp_synchronised()),
        lambda: token,
        trust=trust,
        secrets=secrets,
    )
    assert worker is not None  # the caller checked [api]
    return worker


def summary_of(report: SyncReport, seconds: float) -> dict[str, Any]:
    upload, pulls = report.upload, report.pulls
    return {
        "uploaded": upload.uploaded,
        "accepted": upload.accepted,
        "not_counted": upload.not_counted,
        "duplicate": upload.duplicate,
        "rejected": upload.rejected + upload.invalid,
        "rejected_reasons": dict(sorted(upload.rejected_reasons.items())),
        "pending": report.pending,
        "corrections": {
            "sent": upload.corrections.sent,
            "applied": upload.corrections.applied,
            "unchanged": upload.corrections.unchanged,
            "rejected": upload.corrections.rejected + upload.corrections.invalid,
            "rejected_reasons": dict(sorted(upload.corrections.rejected_reasons.items())),
            "skipped": upload.corrections.skipped,
            "pending": report.pending_corrections,
        },
        "batches": upload.batches,
        "requests": upload.requests,
        "retries": upload.failures,
        "activities": pulls.activities,
        "trust_list": _trust_word(pulls),
        "trust_statement": pulls.trust_sequence,
        "revocations_added": pulls.revoked_added,
        "activity_code_keys": pulls.code_keys,
        "clock_offset_seconds": round(report.offset.total_seconds(), 3)
        if report.offset is not None
        else None,
        "seconds": round(seconds, 3),
        "error": str(report.error) if report.error else None,
        "pull_error": str(report.pull_error) if report.pull_error else None,
    }


def _trust_word(pulls: PullSummary) -> str:
    """updated | unchanged | refused: <reason> | not pinned | not pulled"""
    if pulls.trust == "accepted":
        return "updated"
    if pulls.trust == "refused":
        return f"refused: {pulls.trust_refusal}"
    if pulls.trust == "not_pinned":
        return "not pinned (the provisioned list stays in force)"
    return pulls.trust.replace("_", " ")


def _print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        offset = summary["clock_offset_seconds"]
        lines = [
            f"uploaded   {summary['uploaded']} in {summary['batches']} batches "
            f"({summary['requests']} requests, {summary['retries']} retries, "
            f"{summary['seconds']} s)",
            f"accepted   {summary['accepted']}"
            + (f" ({summary['not_counted']} not counted)" if summary["not_counted"] else ""),
            f"duplicate  {summary['duplicate']}",
            f"rejected   {summary['rejected']}",
            f"pending    {summary['pending']}",
            "corrections {sent} sent ({applied} applied, {unchanged} unchanged, {rejected} "
            "rejected), {skipped} settled on this device, {pending} pending".format(
                **summary["corrections"]
            ),
            f"activities {summary['activities']} pulled; trust list {summary['trust_list']}"
            + (f" (#{summary['trust_statement']})" if summary["trust_statement"] else "")
            + f"; {summary['revocations_added']} revocations added; "
            f"{summary['activity_code_keys']} activity code keys",
            f"clock      {'unknown' if offset is None else f'{offset:+.3f} s vs server'}",
        ]
        sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def _fail_reason(report: SyncReport, url: str) -> str | None:
    if report.needs_enrollment:
        return (
            "the national API refused this device's token (401): re-enroll it with "
            "`kiosk provision FILE --enrollment-token TOKEN`"
        )
    if report.only_pull_failed:
        return None  # everything is uploaded: `_run_once` says on stderr what failed
    if report.error is not None:
        left = f"; {_still_pending(report)}"
        if report.error.status is None:
            return f"national API unreachable at {url}: {report.error}{left}"
        return f"sync failed: {report.error}{left}"
    if report.upload.stopped:
        return f"sync interrupted; {_still_pending(report)}"
    return None


def _still_pending(report: SyncReport) -> str:
    checkins = report.pending - report.pending_corrections
    if report.pending_corrections:
        return f"{checkins} check-ins and {report.pending_corrections} corrections still pending"
    return f"{checkins} check-ins still pending"


def _run_once(service: SyncWorker, url: str, as_json: bool) -> int:
    started = time.monotonic()
    report = service.run_once(max_failures=ONCE_MAX_FAILURES, pull=True)
    _print_summary(summary_of(report, time.monotonic() - started), as_json)
    reason = _fail_reason(report, url)
    if reason is not None:
        raise CommandFailed(reason)
    if report.only_pull_failed:
        sys.stderr.write(
            f"kiosk sync: everything was uploaded; the pull failed: {report.pull_error}\n"
        )
    return EXIT_OK


def _state_line(state: SyncState, as_json: bool) -> str:
    if as_json:
        return json.dumps(
            {
                "online": state.online,
                "pending": state.pending,
                "uploading": state.uploading,
                "backlog_at_start": state.backlog_at_start,
                "needs_enrollment": state.needs_enrollment,
                "last_success": state.last_success.isoformat() if state.last_success else None,
                "message": state.message,
            },
            ensure_ascii=False,
        )
    flags = "online" if state.online else "OFFLINE"
    if state.needs_enrollment:
        flags += " NEEDS-ENROLLMENT"
    last = state.last_success.isoformat(timespec="seconds") if state.last_success else "never"
    return f"{flags} pending={state.pending} last_success={last} {state.message}".rstrip()


def _run_forever(service: SyncWorker, as_json: bool) -> int:
    done = threading.Event()
    previous: list[str] = []
    lock = threading.Lock()

    def on_state(state: SyncState) -> None:
        line = _state_line(state, as_json)
        with lock:
            if previous and previous[-1] == line:
                return
            previous[:] = [line]
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    old = signal.signal(signal.SIGTERM, on_signal)
    service.start(on_state)
    try:
        while not done.wait(1.0):
            pass
    finally:
        signal.signal(signal.SIGTERM, old)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    config = read_config(args.config)
    if config.api is None:
        raise UsageError("the config has no [api] section: this device is offline-only")
    try:
        token = SecretStore(config.device.id).device_token
    except SecretStoreError as exc:
        raise CommandFailed(str(exc)) from None
    if not token:
        raise CommandFailed(
            f"device {config.device.id} is not enrolled: run "
            "`kiosk provision FILE --enrollment-token TOKEN` first"
        )
    with contextlib.suppress(OSError):  # logging is best effort: a read-only disk still syncs
        setup_from_config(config)
    service = _open(config, token, SecretStore(config.device.id))
    try:
        if args.once:
            return _run_once(service, str(config.api.url), args.json)
        return _run_forever(service, args.json)
    finally:
        service.stop()
        service.store.close()
        stop_logging()
