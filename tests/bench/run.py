"""`make bench`: run every benchmark module, write bench/results.json and print a table.

Each module exposes `run() -> dict` and measures its own baseline in the same run, so ratios
compare like with like on whatever machine runs them. Every target of every module is also
collected into `targets` (name -> met) and printed last.

    make bench                       every module (the idle soak alone takes ~6 minutes)
    make bench BENCH="decode idle"   the named modules only (IDLE_SOAK_SECONDS shortens the soak)
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MODULES = (
    "store",
    "counts",
    "decode",
    "empty_scene",
    "ui",
    "startup",
    "sync",
    "soak",
    "trust",
    "idle",
)
RESULTS = Path("bench/results.json")


def _flatten(prefix: str, value: Any, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, rows)
    elif isinstance(value, list):
        return  # per-sample detail stays in the JSON
    else:
        rows.append((prefix, str(value)))


def collect_targets(prefix: str, value: Any, found: dict[str, bool]) -> None:
    """Every target in a result tree, whatever shape its module gives it: {"target", "met"},
    {"target"/"target_s", "target_met"/"meets_target"}, or a "targets" dict of booleans."""
    if not isinstance(value, dict):
        return
    for flag in ("met", "target_met", "meets_target"):
        if isinstance(value.get(flag), bool):
            found[prefix] = value[flag]
    for key, inner in value.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if key == "targets" and isinstance(inner, dict):
            found.update({f"{name}.{k}": v for k, v in inner.items() if isinstance(v, bool)})
        else:
            collect_targets(name, inner, found)


def main(argv: list[str]) -> int:
    chosen = argv or list(MODULES)
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "machine": platform.machine(),
        },
        "started_at": datetime.now(UTC).isoformat(),
        "benchmarks": {},
    }
    failed = []
    for name in chosen:
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"tests.bench.{name}")
        except ModuleNotFoundError as exc:
            print(f"[{name}] skipped: {exc}", file=sys.stderr)
            continue
        print(f"[{name}] running…", file=sys.stderr, flush=True)
        try:
            outcome = module.run()
        except Exception as exc:  # one broken benchmark must not hide the others' numbers
            failed.append(name)
            outcome = {"error": f"{type(exc).__name__}: {exc}"}
        outcome["seconds"] = round(time.perf_counter() - started, 1)
        results["benchmarks"][name] = outcome
    targets: dict[str, bool] = {}
    collect_targets("", results["benchmarks"], targets)
    results["targets"] = targets
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    rows: list[tuple[str, str]] = []
    _flatten("", results["benchmarks"], rows)
    width = max(len(k) for k, _ in rows) if rows else 10
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print("\ntargets:")
    for name, met in targets.items():
        print(f"  {'✓' if met else '✗'} {name}")
    print(f"\nwrote {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
