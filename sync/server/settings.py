"""Policy settings of the reference server for trust statements and activity codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NationalSettings:
    """`national-api serve` flags set these; tests pass their own to `create_app`."""

    code_window_seconds: int = 60  # an activity code is valid for one window...
    code_skew_seconds: int = 15  # ...give or take this much (kiosk/server clocks, app latency)
    code_key_max_days: int = 14  # activity code keys one request may ask for
    statement_lifetime_seconds: int = 7 * 86400  # a trust statement's exp - iat
    statement_refresh_seconds: int = 86400  # an unchanged statement is re-signed this often

    def __post_init__(self) -> None:
        if not 10 <= self.code_window_seconds <= 3600:
            raise ValueError("code window must be 10-3600 seconds")
        if not 0 <= self.code_skew_seconds <= 300:
            raise ValueError("code skew must be 0-300 seconds")
        if not 3600 <= self.statement_lifetime_seconds <= 90 * 86400:
            raise ValueError("statement lifetime must be 1 hour to 90 days")
        if not 60 <= self.statement_refresh_seconds <= self.statement_lifetime_seconds:
            raise ValueError("statement refresh must be 60 s to the statement lifetime")
