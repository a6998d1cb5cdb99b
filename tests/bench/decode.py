"""Decode benchmark (issue 4): per-frame QR decode cost and success per backend, and
frame-to-decision latency through the whole pipeline at 30 fps.

    python -m tests.bench.decode          (or `make bench`, which collects every module)

Everything runs on a corpus generated for the run (tests/corpus/generate.py) and measures its
own baselines, so ratios compare like with like on whatever machine runs it.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.models import CheckinResult, Outcome
from kiosk.scan.decoders import make_decoder
from kiosk.scan.frame_decoder import FrameDecoder, to_gray
from kiosk.scan.media import VideoFileSource
from kiosk.scan.pipeline import ScanPipeline
from kiosk.scan.settings import Backend, ScanSettings
from tests.bench.before import DecoderBefore, settings_before, video_before
from tests.bench.metering import (
    PI_FACTOR,
    PI_NOTE,
    DecodeThreadClock,
    MeteredSource,
    pi_estimate,
    process_cpu_s,
    target,
)
from tests.bench.stats import percentile
from tests.builders import checkin_service
from tests.corpus.generate import Corpus, CorpusImage, generate, video_shots, write_video

SEED = 2026
PER_EFFECT = 4  # 10 effects x 4 + a two-code frame + EMPTY frames without a code, per size
EMPTY = 4
REPEATS = {"zxing": 3, "pyzbar": 1}  # decodes per frame (median is its time); pyzbar is slow
VIDEO_PASSES = 12  # registrants per pipeline clip (~7.5 s at 30 fps)

CONFIGS: dict[str, dict[str, float]] = {
    "default": {"downscale_width": 640, "cascade_budget_ms": 30.0},  # what the kiosk runs
    "no_downscale": {"downscale_width": 0, "cascade_budget_ms": 30.0},
    "full_res_only": {"downscale_width": 0, "cascade_budget_ms": 0.0},  # the bare library
}
BEFORE = "before_issue_18"  # zxing only: the strategy before a large code stopped hiding small
STRATEGIES = ("new", "before")  # pipeline runs, see tests.bench.before


def _ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0}
    return {
        "p50_ms": round(percentile(values, 50), 3),
        "p95_ms": round(percentile(values, 95), 3),
    }


def _decode_corpus(
    images: list[CorpusImage], decoder: FrameDecoder, repeats: int
) -> dict[str, Any]:
    import cv2

    times: list[float] = []
    cpu_times: list[float] = []
    empty_times: list[float] = []
    empty_cpu: list[float] = []
    pairs = [0, 0]  # large+small frames: codes decoded, codes shown
    found = expected = false_positives = 0
    misses: list[str] = []
    for item in images:
        image = cv2.imread(str(item.path))
        if image is None:
            raise FileNotFoundError(item.path)
        gray = to_gray(image)
        runs = []
        cpu_runs = []
        payloads: list[str] = []
        for _ in range(repeats):
            cpu_start = time.thread_time()
            outcome = decoder.decode(gray)
            cpu_runs.append((time.thread_time() - cpu_start) * 1000.0)
            runs.append(outcome.elapsed_ms)
            payloads = outcome.payloads
        (times if item.payloads else empty_times).append(statistics.median(runs))
        (cpu_times if item.payloads else empty_cpu).append(statistics.median(cpu_runs))
        hits = set(payloads) & set(item.payloads)
        found += len(hits)
        expected += len(item.payloads)
        if item.effect == "large-small":
            pairs[0] += len(hits)
            pairs[1] += len(item.payloads)
        false_positives += len(set(payloads) - set(item.payloads))
        if len(hits) < len(item.payloads):
            misses.append(item.path.name)
    cpu = _ms(cpu_times)
    return {
        **_ms(times),
        "cpu_p50_ms": cpu["p50_ms"],
        "cpu_p95_ms": cpu["p95_ms"],
        "success_rate": round(found / expected, 4) if expected else 0.0,
        "decoded": found,
        "codes": expected,
        "false_positives": false_positives,
        "empty_frame": {**_ms(empty_times), **{f"cpu_{k}": v for k, v in _ms(empty_cpu).items()}},
        "large_and_small": {"decoded": pairs[0], "codes": pairs[1]},
        "missed": misses,
    }


def bench_decoders(corpus: Corpus) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for width, height in sorted({(i.width, i.height) for i in corpus.images}):
        images = corpus.images_of(height)
        per_size: dict[str, Any] = {}
        for backend in Backend:
            decoder = make_decoder(backend)
            per_size[backend.value] = {
                name: _decode_corpus(
                    images,
                    FrameDecoder(decoder, **config),  # type: ignore[arg-type]
                    REPEATS[backend.value],
                )
                for name, config in CONFIGS.items()
            }
            if backend is Backend.ZXING:
                before = DecoderBefore(decoder, **CONFIGS["default"])  # type: ignore[arg-type]
                per_size[backend.value][BEFORE] = _decode_corpus(images, before, REPEATS["zxing"])
        results[f"{width}x{height}"] = per_size
    return results


def _pipeline_run(
    video: Path, registrants: tuple[str, ...], jwks: Path, work: Path, strategy: str
) -> dict[str, Any]:
    """Play a clip in real time (30 fps) through the pipeline into the real check-in service."""
    service = checkin_service(work / f"{video.stem}-{strategy}.db", jwks, "bench-activity")
    results: list[CheckinResult] = []
    settings, decoder = ScanSettings(), None
    source = MeteredSource(VideoFileSource(video, realtime=True))
    if strategy == "before":
        settings = settings_before(settings)
        source = MeteredSource(video_before(video))
        decoder = DecoderBefore(
            make_decoder(settings.backend),
            downscale_width=settings.downscale_width,
            cascade_budget_ms=settings.cascade_budget_ms,
            cascade_share=settings.cascade_share,
        )
    clock = DecodeThreadClock()
    pipeline = ScanPipeline(
        source,
        service,
        settings=settings,
        decoder=decoder,
        on_result=results.append,
        on_finished=clock,
    )
    cpu_before, started = process_cpu_s(), time.perf_counter()
    pipeline.run()
    elapsed = time.perf_counter() - started
    process_cpu = process_cpu_s() - cpu_before
    stats = pipeline.snapshot()
    service.store.close()
    decided = [r for r in results if r.outcome is Outcome.ACCEPTED]
    latencies = [r.latency_ms for r in results]
    frames = max(1, stats.frames_captured)
    return {
        "frames": stats.frames_captured,
        "seconds": round(elapsed, 2),
        "fps_achieved": round(stats.frames_captured / elapsed, 1),
        "frames_dropped": stats.frames_dropped,
        "frames_decoded": stats.frames_decoded,
        "frames_still": stats.frames_still,
        "frames_skipped": stats.frames_skipped,
        "decode_ms": {
            "p50_ms": round(stats.decode_ms_p50, 3),
            "p95_ms": round(stats.decode_ms_p95, 3),
        },
        "frame_to_decision": _ms(latencies),
        "max_frame_wait_ms": round(stats.max_queue_age_ms, 3),
        "registrants": len(registrants),
        "decided_once": len(decided) == len(registrants) and len(results) == len(registrants),
        # CPU time over the clip (people arriving with a pass, gaps between them)
        "decode_cpu_ms_per_frame": round(clock.cpu_s * 1000 / frames, 3),
        "capture_cpu_ms_per_frame": round(source.capture_cpu_s * 1000 / frames, 3),
        "process_cpu_ms_per_frame": round(process_cpu * 1000 / frames, 3),
        "process_cpu_ms_per_decision": round(process_cpu * 1000 / max(1, len(results)), 1),
    }


def bench_pipeline(corpus: Corpus, work: Path) -> dict[str, Any]:
    rng = random.Random(SEED + 1)
    results: dict[str, Any] = {}
    for width, height in ((640, 480), (1280, 720)):
        passes = [corpus.kit.sign() for _ in range(VIDEO_PASSES)]
        path = work / f"pipeline-{height}p.avi"
        write_video(path, video_shots(passes, rng, height=height), width=width, height=height)
        results[f"{width}x{height}"] = {
            strategy: _pipeline_run(path, tuple(passes), corpus.jwks, work, strategy)
            for strategy in STRATEGIES
        }
    return results


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 2) if denominator else 0.0


def run(progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    import cv2

    say = progress or (lambda message: print(message, file=sys.stderr, flush=True))
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    cv2.setNumThreads(1)  # per-frame CPU time then covers all the work of a decode
    with tempfile.TemporaryDirectory(prefix="bench-decode-") as tmp:
        work = Path(tmp)
        say("decode: generating corpus")
        corpus = generate(work / "corpus", seed=SEED, per_effect=PER_EFFECT, empty_frames=EMPTY)
        say("decode: per-frame decode, both backends")
        decode = bench_decoders(corpus)
        say("decode: pipeline at 30 fps")
        pipeline = bench_pipeline(corpus, work)
    hd = decode["1280x720"]
    sd = decode["640x480"]
    zx, zb = hd["zxing"]["default"], hd["pyzbar"]["full_res_only"]
    success = {
        backend: round(
            (decode["640x480"][backend]["default"]["decoded"] + hd[backend]["default"]["decoded"])
            / (sd[backend]["default"]["codes"] + hd[backend]["default"]["codes"]),
            4,
        )
        for backend in ("zxing", "pyzbar")
    }
    before_success = round(
        (sd["zxing"][BEFORE]["decoded"] + hd["zxing"][BEFORE]["decoded"])
        / (sd["zxing"][BEFORE]["codes"] + hd["zxing"][BEFORE]["codes"]),
        4,
    )
    pairs = [
        sum(decode[size]["zxing"][config]["large_and_small"][key] for size in decode)
        for config, key in (("default", "decoded"), ("default", "codes"), (BEFORE, "decoded"))
    ]
    runs = [p["new"] for p in pipeline.values()]
    latency_p95 = max(p["frame_to_decision"]["p95_ms"] for p in runs)
    code_cpu_ms = zx["cpu_p50_ms"]
    decision_cpu_ms = max(p["process_cpu_ms_per_decision"] for p in runs)
    return {
        "machine_load": {
            "cpus": os.cpu_count(),
            "load1_before": round(load_before, 2),
            "load1_after": round(os.getloadavg()[0], 2),
            "note": "wall-clock times inflate when load1 exceeds the CPU count; cpu_* do not",
        },
        "corpus": {
            "images": len(corpus.images),
            "codes": corpus.expected_codes,
            "seed": SEED,
            "repeats_per_frame": REPEATS,
        },
        "decode": decode,
        "pipeline_30fps": pipeline,
        "success_rate_default": success,
        "success_rate_zxing_before_issue_18": before_success,
        "large_and_small_frames": {
            "codes": pairs[1],
            "decoded_now": pairs[0],
            "decoded_before_issue_18": pairs[2],
        },
        "cpu": {
            "code_in_view_720p_ms_per_frame_p50": code_cpu_ms,
            "empty_720p_single_frame_ms_p50": zx["empty_frame"]["cpu_p50_ms"],
            "note_empty": "one empty frame decoded on its own; a live camera decodes few: "
            "see the empty_scene benchmark",
            "ms_per_decision_720p_clip": runs[-1]["process_cpu_ms_per_decision"],
            "pi_estimate_code_in_view": pi_estimate(code_cpu_ms),
            "pi_estimate_ms_per_decision": round(decision_cpu_ms * PI_FACTOR, 1),
            "pi_note": PI_NOTE,
        },
        "ratios": {
            "720p_p95_pyzbar_full_res_over_zxing_default": _ratio(zb["p95_ms"], zx["p95_ms"]),
            "720p_p50_pyzbar_full_res_over_zxing_default": _ratio(zb["p50_ms"], zx["p50_ms"]),
            "720p_p95_zxing_no_downscale_over_default": _ratio(
                hd["zxing"]["no_downscale"]["p95_ms"], zx["p95_ms"]
            ),
            "720p_p50_pyzbar_default_over_zxing_default": _ratio(
                hd["pyzbar"]["default"]["p50_ms"], zx["p50_ms"]
            ),
        },
        "no_loss_on_the_corpus": target(
            round(success["zxing"] - before_success, 4),
            0.0,
            "(success now - before)",
            at_least=True,
        ),
        "every_code_of_large_and_small_frames": target(pairs[0], pairs[1], "codes", at_least=True),
        "targets": {
            "decoded_ge_97pct": success["zxing"] >= 0.97,
            # CPU time: the wall-clock p95 inflates whenever other work shares the machine
            "decode_720p_cpu_p95_le_10ms": zx["cpu_p95_ms"] <= 10.0,
            "frame_to_decision_p95_le_100ms": latency_p95 <= 100.0,
            # No backlog: no frame waits more than ~3 frame times for the decoder, and (almost)
            # nothing is dropped (the pipeline drops stale frames by design when it falls behind).
            "keeps_up_at_30fps": all(
                p["max_frame_wait_ms"] < 100 and p["frames_dropped"] <= 0.02 * p["frames"]
                for p in runs
            ),
            "each_registrant_decided_once": all(p["decided_once"] for p in runs),
        },
        "seconds": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
