"""Debounce: one submission per code held in view; re-armed once the code has been away."""

from __future__ import annotations


class Debouncer:
    """Admits a payload unless it was last seen less than `rearm_s` ago.

    Time is passed in by the caller (the frame's media time), so the debouncer has no clock
    of its own. "Seen" is refreshed on every sighting: a code held in front of the camera for a
    minute is one submission; a code that leaves and comes back after `rearm_s` is submitted
    again (the core then answers `duplicate`). A different payload is admitted at once.
    """

    def __init__(self, rearm_s: float) -> None:
        if rearm_s < 0:
            raise ValueError("rearm_s must be >= 0")
        self.rearm_s = rearm_s
        self._last_seen: dict[str, float] = {}

    def admit(self, payload: str, now: float) -> bool:
        """Record a sighting at `now`; True when it should be submitted."""
        last = self._last_seen.get(payload)
        self._last_seen[payload] = now
        self._prune(now)
        return last is None or now - last >= self.rearm_s

    def _prune(self, now: float) -> None:
        if len(self._last_seen) <= 64:
            return
        horizon = now - self.rearm_s
        for key in [k for k, seen in self._last_seen.items() if seen < horizon]:
            del self._last_seen[key]

    def reset(self) -> None:
        """Forget every sighting (e.g. after the activity changes)."""
        self._last_seen.clear()
