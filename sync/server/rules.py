"""When an uploaded scan may count: its time against the activity's day and the receipt, and
the moment a pass's expiry and revocation are judged at.

A device sends the time of each scan (`scanned_at_corrected` when it corrected its clock, else
`scanned_at`); the server bounds that claim instead of trusting it:

* **Not in the future**: the scan time may be at most `clock_skew` after the server received it
  (`scanned_in_future`).
* **On the activity's day**: activity dates are venue dates in Japan, so the scan time must fall
  on the activity's date in JST, widened by `day_tolerance` on each side for clock error and
  for a day that runs a little past midnight (`scanned_outside_activity_day`).
* **Expiry and revocation at a bound a back-dated scan cannot escape**: both are judged at
  ``max(scan time, received_at - upload_delay)``. A real offline scan made before a revocation
  (or before the pass expired) still counts when it is uploaded within `upload_delay` of it;
  a scan uploaded later than that is judged as if made `upload_delay` before its upload, so a
  revoked pass cannot be back-dated to before its revocation and uploaded at leisure. Within
  the window the server cannot tell a real early scan from a back-dated one on the same day;
  the day rule keeps that window inside the activity's own day.
* `not_yet_valid` (`iat` after the scan) is judged at the scan time itself: back-dating a scan
  can only make it fail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

JST = dt.timezone(dt.timedelta(hours=9), "JST")
SCANNED_IN_FUTURE = "scanned_in_future"
SCANNED_OUTSIDE_ACTIVITY_DAY = "scanned_outside_activity_day"


@dataclass(frozen=True)
class ScanRules:
    """The server's tolerances (``national-api serve --clock-skew-s ...``)."""

    clock_skew: dt.timedelta = dt.timedelta(seconds=300)
    day_tolerance: dt.timedelta = dt.timedelta(hours=2)
    upload_delay: dt.timedelta = dt.timedelta(hours=72)

    def __post_init__(self) -> None:
        for name in ("clock_skew", "day_tolerance", "upload_delay"):
            if getattr(self, name) < dt.timedelta(0):
                raise ValueError(f"{name} must not be negative")

    def day_window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The instants a scan for an activity on `day` may carry: [start, end)."""
        start = dt.datetime.combine(day, dt.time(0), JST)
        return start - self.day_tolerance, start + dt.timedelta(days=1) + self.day_tolerance

    def time_reason(self, scanned: dt.datetime, received: dt.datetime, day: dt.date) -> str | None:
        """Why the scan time cannot be right for an activity on `day`, or None."""
        if scanned > received + self.clock_skew:
            return SCANNED_IN_FUTURE
        start, end = self.day_window(day)
        if not start <= scanned < end:
            return SCANNED_OUTSIDE_ACTIVITY_DAY
        return None

    def judged_at(self, scanned: dt.datetime, received: dt.datetime) -> dt.datetime:
        """The instant pass expiry and revocation are judged at (see the module docstring)."""
        return max(scanned, received - self.upload_delay)
