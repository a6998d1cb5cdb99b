"""Which decision the volunteer sees, and for how long: the rule that every result is seen.

Every decision (camera, scanner, manual entry) goes up on the result banner in the order it was
made, with a running scan number so two results in a row are visibly two. A result stays up
at least `MIN_SHOW_S` before the next one replaces it; a rejection (red) stays at least
`max(banner_seconds, RED_MIN_S)` and then until the next scan; it never times out to "ready".
A result that arrives sooner waits in a queue, and the banner says that one is waiting. An
accepted or duplicate result returns to "ready" after `banner_seconds`.

While another screen is open (manual entry, history, the activity QR, the coordinator), the
same result goes up as a full-width overlay on that screen (`screens.widgets.banner`): the
camera keeps deciding, and no decision is ever made out of sight.

Pure logic on an injected monotonic clock (the App's `Clock.monotonic`), so tests control
time by advancing the clock; the App only polls `tick` while something is up."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.models import CheckinResult, Outcome

MIN_SHOW_S = 0.5
"""Every result is up at least this long before the next replaces it."""
RED_MIN_S = 1.5
"""A rejection is up at least this long (or banner_seconds, if longer) before the next."""


@dataclass(frozen=True, slots=True)
class Shown:
    """A result on the banner: the decision, its running scan number and when it went up."""

    result: CheckinResult
    number: int
    since: float

    @property
    def red(self) -> bool:
        return self.result.outcome is Outcome.REJECTED


class ResultQueue:
    """The results in the order decided; `current` is the one on the banner (None: ready)."""

    def __init__(self, banner_seconds: float, monotonic: Callable[[], float]) -> None:
        self.banner_seconds = banner_seconds
        self.monotonic = monotonic
        self.current: Shown | None = None
        self.numbered = 0  # results numbered so far (the running scan number)
        self._queue: deque[tuple[CheckinResult, int]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def hold(self, shown: Shown) -> float:
        """How long `shown` stays up at least, before a waiting result replaces it."""
        return max(self.banner_seconds, RED_MIN_S) if shown.red else MIN_SHOW_S

    def add(self, result: CheckinResult) -> bool:
        """Number a new decision and queue it; True when it went up at once."""
        self.numbered += 1
        self._queue.append((result, self.numbered))
        return self.tick()

    def tick(self) -> bool:
        """Advance to what should be up now; True when the banner changed."""
        now = self.monotonic()
        current = self.current
        if self._queue and (current is None or now - current.since >= self.hold(current)):
            result, number = self._queue.popleft()
            self.current = Shown(result, number, now)
            return True
        if (
            current is not None
            and not current.red
            and not self._queue
            and now - current.since >= self.banner_seconds
        ):
            self.current = None
            return True
        return False

    def clear(self) -> None:
        """Back to ready with nothing waiting (another activity was chosen)."""
        self.current = None
        self._queue.clear()

    @property
    def busy(self) -> bool:
        """Something may change with time alone (a result up that times out, or a queue)."""
        return bool(self._queue) or (self.current is not None and not self.current.red)


class Stoppable(Protocol):
    def stop(self) -> None: ...


POLL_S = 0.1
"""How often the feed looks at the clock while a result can time out or one is waiting."""


class ResultFeed:
    """Drives a `ResultQueue` from the UI thread: publishes what is up (and how many wait),
    rings the chime when a result goes up, and polls the clock only while time alone can
    change the banner. `every(seconds, fn)` is the App's `set_interval`."""

    def __init__(
        self,
        queue: ResultQueue,
        *,
        publish: Callable[[Shown | None, int], None],
        chime: Callable[[Outcome], None],
        every: Callable[[float, Callable[[], None]], Stoppable],
    ) -> None:
        self.queue = queue
        self._publish = publish
        self._chime = chime
        self._every = every
        self._shown: Shown | None = None
        self._poll: Stoppable | None = None

    def add(self, result: CheckinResult) -> None:
        self.queue.add(result)
        self.tick()

    def clear(self) -> None:
        self.queue.clear()
        self.tick()

    def tick(self) -> None:
        queue = self.queue
        queue.tick()
        if queue.current is not self._shown:
            self._shown = queue.current
            if queue.current is not None:
                self._chime(queue.current.result.outcome)  # the sound goes with the picture
        self._publish(queue.current, queue.waiting)
        if queue.busy and self._poll is None:
            self._poll = self._every(POLL_S, self.tick)
        elif not queue.busy and self._poll is not None:
            self._poll.stop()
            self._poll = None
