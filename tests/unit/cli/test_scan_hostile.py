"""`kiosk scan --source -` under hostile stdin: every line decided, exit 0, no traceback, in
any locale, with bounded memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.devices import ROOT, run_kiosk
from tests.hostile import deep
from tests.passkit import PassKit, b64url

DEPTHS = (1000, 1500, 3000, 10_000)  # the field report's 1,000 and deeper


def nested_header(depth: int) -> str:
    return b64url(deep(depth).encode()) + ".e30.AAAA"


def scan(
    config_file: Path, data: bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "scan",
            "--config",
            str(config_file),
            "--source",
            "-",
            "--jsonl",
        ],
        input=data,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )


def decisions(stdout: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.decode("utf-8").splitlines()]


def test_nested_headers_are_rejected_and_the_next_pass_is_accepted(
    config_file: Path, kit: PassKit
) -> None:
    valid = [kit.sign(sub=f"FR000000000{i}") for i in range(len(DEPTHS))]
    lines = [
        line
        for depth, token in zip(DEPTHS, valid, strict=True)
        for line in (nested_header(depth), token)
    ]
    done = run_kiosk(
        "scan", "--config", str(config_file), "--source", "-", "--jsonl", stdin="\n".join(lines)
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    got = [(d["decision"], d["reason"]) for d in (json.loads(x) for x in done.stdout.splitlines())]
    assert got == [
        ("rejected", "bad_encoding"),  # 1,000 deep: refused by the JSON depth limit
        ("accepted", None),
        ("rejected", "bad_encoding"),
        ("accepted", None),
        ("rejected", "bad_encoding"),
        ("accepted", None),
        ("rejected", "malformed"),  # 10,000 deep: longer than any pass, refused unread
        ("accepted", None),
    ]


def test_invalid_utf8_under_a_strict_locale_is_a_decided_line(
    config_file: Path, kit: PassKit
) -> None:
    data = b"\xff\xfe\x80\n" + kit.sign().encode() + b"\n\xe5\xa3\x8a\xe3\n"
    env = {"PYTHONIOENCODING": "utf-8:strict", "LANG": "C", "LC_ALL": "C"}
    done = scan(config_file, data, env)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    got = [(d["decision"], d["reason"]) for d in decisions(done.stdout)]
    assert got == [("rejected", "bad_encoding"), ("accepted", None), ("rejected", "bad_encoding")]


def _peak_rss_kib(config_file: Path, stdin: Path) -> tuple[int, list[dict[str, object]]]:
    """Run `kiosk scan -` under a fresh parent that reports its only child's peak RSS."""
    probe = (
        "import resource, subprocess, sys\n"
        "with open(sys.argv[1], 'rb') as data:\n"
        "    done = subprocess.run(sys.argv[2:], stdin=data, capture_output=True)\n"
        "sys.stderr.buffer.write(done.stderr)\n"
        "sys.stdout.buffer.write(done.stdout)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
    )
    command = [
        sys.executable,
        "-m",
        "cli",
        "scan",
        "--config",
        str(config_file),
        "--source",
        "-",
        "--jsonl",
    ]
    done = subprocess.run(
        [sys.executable, "-c", probe, str(stdin), *command],
        capture_output=True,
        timeout=180,
        cwd=ROOT,
        check=True,
    )
    *lines, last = done.stdout.decode().splitlines()
    peak, returncode = (int(v) for v in last.split())
    assert returncode == 0, done.stderr
    return peak, [json.loads(line) for line in lines]


def test_a_100_mb_line_is_decided_malformed_in_bounded_memory(
    config_file: Path, kit: PassKit, tmp_path: Path
) -> None:
    small, huge = tmp_path / "small.txt", tmp_path / "huge.txt"
    small.write_bytes(b"short-line\n" + kit.sign(sub="FR0000000001").encode() + b"\n")
    with huge.open("wb") as out:
        chunk = b"A" * (1024 * 1024)
        for _ in range(100):
            out.write(chunk)
        out.write(b"\n" + kit.sign().encode() + b"\n")
    baseline, _ = _peak_rss_kib(config_file, small)
    peak, got = _peak_rss_kib(config_file, huge)
    assert [(d["decision"], d["reason"]) for d in got] == [
        ("rejected", "malformed"),
        ("accepted", None),
    ]
    # the 100 MB line never sits in memory: within a few MB of the same run on two short lines
    assert peak - baseline < 20 * 1024, (baseline, peak)
