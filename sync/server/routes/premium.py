"""GET /v1/registrants/{registrant}/premium: premium qualification per municipality (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import Session

from sync.server.deps import require_admin, session
from sync.server.premium import premium_report
from sync.server.report_schemas import PremiumReport
from sync.server.routes import docs
from sync.server.routes.common import problem, problems
from sync.server.schemas import REGISTRANT_PATTERN

router = APIRouter(tags=["reports"])
_ADMIN_401 = {
    **problem("Admin token missing or wrong (`invalid-admin-token`)."),
    "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
}


@router.get(
    "/v1/registrants/{registrant}/premium",
    response_model=PremiumReport,
    responses=problems(
        422,
        extra={
            401: _ADMIN_401,
            404: "The server has no admin interface configured (`not-found`).",
        },
    ),
    operation_id="premiumReport",
    response_description="The premium report.",
    summary="A registrant's premium qualification for a fiscal year, per municipality.",
    description=docs.PREMIUM,
    dependencies=[Depends(require_admin)],
    openapi_extra={"security": [{"adminToken": []}]},
)
def premium(
    registrant: Annotated[str, Path(pattern=REGISTRANT_PATTERN)],
    fiscal_year: Annotated[
        int, Query(ge=2000, le=2999, description="April of this year to March of the next.")
    ],
    s: Annotated[Session, Depends(session)],
) -> PremiumReport:
    return premium_report(s, registrant, fiscal_year)
