"""The ASGI application: FastAPI routes wrapped by the fault injector."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sync.server.contract import ContractAPI
from sync.server.db import init_db, make_engine
from sync.server.deps import ServerContext
from sync.server.faults import FaultConfig, FaultMiddleware, FaultState
from sync.server.keys import ensure_signing_key
from sync.server.problems import install_problem_handlers
from sync.server.routes import (
    admin,
    checkins,
    counts,
    devices,
    health,
    premium,
    pull,
    self_checkin,
    status,
    trust,
)
from sync.server.rules import ScanRules
from sync.server.settings import NationalSettings
from sync.server.trust_anchor import current_anchor

API_TITLE = "Furusato national API (reference server)"
API_VERSION = "1.1.0"
ROUTERS = (devices, pull, trust, self_checkin, counts, checkins, status, premium, health, admin)


def build_api(
    engine: Engine,
    admin_token: str | None,
    faults: FaultState,
    settings: NationalSettings | None = None,
    *,
    rules: ScanRules | None = None,
) -> FastAPI:
    """The FastAPI app alone (routes, problem handlers); no fault injection. Its
    `/openapi.json` is the contract (sync/server/contract.py)."""
    api = ContractAPI(title=API_TITLE, version=API_VERSION, docs_url=None, redoc_url=None)
    api.state.ctx = ServerContext(
        engine=engine,
        admin_token=admin_token,
        settings=settings or NationalSettings(),
        rules=rules or ScanRules(),
    )
    api.state.faults = faults
    install_problem_handlers(api)
    for module in ROUTERS:
        api.include_router(module.router)
    return api


class NationalApp(FaultMiddleware):
    """The served ASGI app: fault injector around the API, with handles for tests."""

    def __init__(self, api: FastAPI, state: FaultState, engine: Engine) -> None:
        super().__init__(api, state)
        self.api, self.engine = api, engine

    def dispose(self) -> None:
        self.engine.dispose()


def create_app(
    database_url: str | None = None,
    admin_token: str | None = None,
    faults: FaultConfig | None = None,
    *,
    engine: Engine | None = None,
    settings: NationalSettings | None = None,
    rules: ScanRules | None = None,
) -> NationalApp:
    """The served app. Creates tables, a first signing key and a first trust anchor when the
    database has none."""
    if engine is None:
        if database_url is None:
            raise ValueError("give database_url or engine")
        engine = make_engine(database_url)
    init_db(engine)
    with Session(engine) as s:
        ensure_signing_key(s)
        current_anchor(s)
    state = FaultState(faults)
    return NationalApp(build_api(engine, admin_token, state, settings, rules=rules), state, engine)
