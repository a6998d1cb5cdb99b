"""Admin HTTP interface (not part of the national contract): runtime fault injection."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from sync.server.deps import require_admin
from sync.server.faults import FaultConfig, FaultState

router = APIRouter(prefix="/admin", dependencies=[Depends(require_admin)], include_in_schema=False)


def _faults(request: Request) -> FaultState:
    state = request.app.state.faults
    assert isinstance(state, FaultState)
    return state


@router.get("/faults")
def get_faults(state: Annotated[FaultState, Depends(_faults)]) -> dict[str, Any]:
    return state.snapshot()


@router.post("/faults")
def set_faults(
    config: FaultConfig, state: Annotated[FaultState, Depends(_faults)]
) -> dict[str, Any]:
    state.configure(config)
    return state.snapshot()


@router.delete("/faults")
def clear_faults(state: Annotated[FaultState, Depends(_faults)]) -> dict[str, Any]:
    state.configure(FaultConfig())
    return state.snapshot()
