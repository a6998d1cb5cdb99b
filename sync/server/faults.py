"""Fault injection: an outermost ASGI wrapper that misbehaves on demand, deterministically.

Faults apply to every path except ``/admin``; they are switched at runtime through
``POST /admin/faults`` or at start-up with ``national-api serve --fault KEY=VALUE``.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.server.problems import problem_response

Action = Literal["drop", "unauthorized", "throttle", "unavailable", "error", "lost_after_commit"]
RATE_FIELDS: tuple[tuple[str, Action], ...] = (
    ("drop_rate", "drop"),
    ("unauthorized_rate", "unauthorized"),
    ("throttle_rate", "throttle"),
    ("unavailable_rate", "unavailable"),
    ("error_rate", "error"),
    ("lost_after_commit_rate", "lost_after_commit"),
)
Rate = float
PUBLIC_PATHS = frozenset(
    {"/v1/devices/enroll", "/v1/trust/jwks", "/v1/health", "/v1/checkins:self"}
)


class FaultConfig(BaseModel):
    """What to inject. Rates are probabilities per request (their sum is at most 1)."""

    model_config = ConfigDict(extra="forbid")

    error_rate: Rate = Field(default=0.0, ge=0, le=1)  # 500 problem
    throttle_rate: Rate = Field(default=0.0, ge=0, le=1)  # 429 + Retry-After
    unavailable_rate: Rate = Field(default=0.0, ge=0, le=1)  # 503 + Retry-After
    drop_rate: Rate = Field(default=0.0, ge=0, le=1)  # close the socket, no response
    lost_after_commit_rate: Rate = Field(default=0.0, ge=0, le=1)  # handle, then drop
    unauthorized_rate: Rate = Field(default=0.0, ge=0, le=1)  # 401 problem
    latency_ms: int = Field(default=0, ge=0, le=600_000)  # added before handling
    retry_after_s: int = Field(default=1, ge=0, le=86_400)
    offline: bool = False  # drop every non-admin request
    seed: int | None = None  # deterministic sequence of decisions when given
    paths: list[str] | None = None  # only requests whose path starts with one of these
    remaining: int | None = Field(default=None, ge=0)  # stop injecting after this many

    @model_validator(mode="after")
    def _rates_sum(self) -> FaultConfig:
        if sum(getattr(self, name) for name, _ in RATE_FIELDS) > 1.0 + 1e-9:
            raise ValueError("fault rates must sum to at most 1")
        return self


def parse_fault_flags(flags: list[str]) -> FaultConfig:
    """``["error_rate=0.2", "offline=true", "paths=/v1/checkins:batch"]`` -> FaultConfig."""
    raw: dict[str, Any] = {}
    for flag in flags:
        key, sep, value = flag.partition("=")
        if not sep:
            raise ValueError(f"--fault needs KEY=VALUE, got {flag!r}")
        key = key.strip().replace("-", "_")
        raw[key] = value.split(",") if key == "paths" else value
    return FaultConfig.model_validate(raw)


@dataclass(frozen=True)
class Decision:
    latency_s: float
    action: Action | None


class FaultState:
    """The current fault configuration, its random stream and what was injected so far."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._remaining = config.remaining
            self.injected = Counter()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "config": self.config.model_dump(),
                "remaining": self._remaining,
                "injected": dict(self.injected),
            }

    def decide(self, path: str, authenticated: bool = True) -> Decision:
        """The fault for one request; ``authenticated``: the path takes a device token."""
        with self._lock:
            cfg = self.config
            if cfg.offline:
                self.injected["offline"] += 1
                return Decision(0.0, "drop")
            if cfg.paths is not None and not any(path.startswith(p) for p in cfg.paths):
                return Decision(0.0, None)
            latency = cfg.latency_ms / 1000
            if self._remaining == 0:
                return Decision(latency, None)
            draw, edge = self._rng.random(), 0.0
            for name, action in RATE_FIELDS:
                edge += getattr(cfg, name)
                if draw < edge:
                    if action == "unauthorized" and not authenticated:
                        return Decision(latency, None)  # a public endpoint never says 401
                    self.injected[action] += 1
                    if self._remaining is not None:
                        self._remaining -= 1
                    return Decision(latency, action)
            return Decision(latency, None)


def _abort(send: Send) -> None:
    """Close the client connection at once, without any response (uvicorn protocols)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("fault injection: connection dropped")
    transport.abort()
    cycle.disconnected = True  # type: ignore[union-attr]  # uvicorn then sends nothing


class FaultMiddleware:
    """Outermost ASGI app: it must receive the server's own ``send`` to drop connections."""

    def __init__(
        self,
        app: ASGIApp,
        state: FaultState,
        exempt_prefix: str = "/admin",
        public_paths: frozenset[str] = PUBLIC_PATHS,
    ) -> None:
        self.app, self.state, self.exempt_prefix = app, state, exempt_prefix
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(self.exempt_prefix):
            await self.app(scope, receive, send)
            return
        decision = self.state.decide(path, authenticated=path not in self.public_paths)
        if decision.latency_s > 0:
            await asyncio.sleep(decision.latency_s)
        action = decision.action
        if action is None:
            await self.app(scope, receive, send)
        elif action == "drop":
            _abort(send)
        elif action == "lost_after_commit":
            await self.app(scope, receive, _swallow)
            _abort(send)
        else:
            await self._problem(action, scope, receive, send)

    async def _problem(self, action: Action, scope: Scope, receive: Receive, send: Send) -> None:
        retry = {"Retry-After": str(self.state.config.retry_after_s)}
        status, code, headers = {
            "unauthorized": (401, "invalid-token", {}),
            "throttle": (429, "rate-limited", retry),
            "unavailable": (503, "unavailable", retry),
        }.get(action, (500, "internal-error", {}))
        response = problem_response(
            status, code, f"injected fault: {action}", instance=scope.get("path"), headers=headers
        )
        await response(scope, receive, send)


async def _swallow(_message: Message) -> None:
    return None
