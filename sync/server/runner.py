"""Run the server: in-process on a background thread (tests, demo) or in the foreground (CLI)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from sync.server.app import NationalApp, create_app
from sync.server.faults import FaultConfig, FaultState
from sync.server.rules import ScanRules
from sync.server.settings import NationalSettings

START_TIMEOUT_S = 30.0


class _Server(uvicorn.Server):
    """uvicorn.Server that reports when it is accepting connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_ready()


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this. Without it uvicorn's separate header and body writes
    # meet Nagle + delayed ACK: ~40 ms added to every response.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def make_server(
    app: NationalApp,
    on_ready: Callable[[], None],
    log_level: str = "warning",
    *,
    own_logging: bool = True,
) -> uvicorn.Server:
    """`own_logging`: uvicorn prints its records to stderr (`national-api serve`). In-process
    (tests, `kiosk demo`) it does not: its records go to the host's logging instead, which in
    the demo is the kiosk's log file, never the terminal the kiosk draws on."""
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level=log_level,
        access_log=False,
        http="h11",
        timeout_graceful_shutdown=5,
        log_config=uvicorn.config.LOGGING_CONFIG if own_logging else None,
    )
    return _Server(config, on_ready)


@dataclass
class RunningServer:
    """A server on a background thread; ``url`` has no trailing slash."""

    url: str
    app: NationalApp
    _server: uvicorn.Server
    _thread: threading.Thread
    _errors: list[BaseException] = field(default_factory=list)

    @property
    def faults(self) -> FaultState:
        return self.app.state

    def set_faults(self, config: FaultConfig | None = None, **fields: Any) -> None:
        """Switch faults in-process (the same as POST /admin/faults)."""
        self.app.state.configure(config or FaultConfig(**fields))

    def stop(self, timeout: float = 15.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self.app.dispose()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_server(
    database_url: str,
    admin_token: str | None = None,
    *,
    faults: FaultConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
    rules: ScanRules | None = None,
    settings: NationalSettings | None = None,
) -> RunningServer:
    """Start the reference server on a thread; returns once it accepts connections."""
    app = create_app(database_url, admin_token, faults, settings=settings, rules=rules)
    sock = bind_socket(host, port)
    ready = threading.Event()
    server = make_server(app, ready.set, log_level, own_logging=False)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the caller below
            errors.append(exc)
        finally:
            ready.set()
            sock.close()

    thread = threading.Thread(target=run, name="national-api", daemon=True)
    thread.start()
    if not ready.wait(START_TIMEOUT_S) or errors or not server.started:
        server.should_exit = True
        raise RuntimeError(f"national-api did not start: {errors or 'timeout'}")
    return RunningServer(url_of(sock), app, server, thread, errors)
