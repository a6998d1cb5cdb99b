"""GET /v1/health: liveness and server time (every response also carries a Date header)."""

from __future__ import annotations

from fastapi import APIRouter

from sync.server.codes import utc_now
from sync.server.routes.common import problems
from sync.server.schemas import Health

router = APIRouter(tags=["health"])


@router.get(
    "/v1/health",
    response_model=Health,
    responses=problems(),
    operation_id="health",
    response_description="The server is up.",
    summary="Liveness and server time.",
    openapi_extra={"security": []},
)
def health() -> Health:
    return Health(status="ok", time=utc_now(), version="1")
