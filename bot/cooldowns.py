"""Keep one member, or one repeated question, from flooding a channel.

Two small, clock-injectable policies the answers cog consults before it posts:

* ``MemberRateLimit`` — at most N replies to one member per sliding window. The first
  question over the limit earns one private notice; the rest of that window is silent, so
  a member hammering the bot gets one message, not one per question.
* ``RepeatWindow`` — the same FAQ entry answered in the same channel a moment ago is not
  reposted; the bot points to the earlier answer instead, which keeps busy channels
  readable when several members ask the same thing.

Pure Python (no discord import) so the behaviour is unit-tested without a gateway.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

Clock = Callable[[], float]

# Above this many tracked keys, expired ones are swept so hostile traffic (many members,
# many channels) cannot grow memory without bound.
SWEEP_THRESHOLD = 10_000


class RateDecision(StrEnum):
    """What to do with one member's question."""

    ALLOW = "allow"  # answer it (and it counts towards the limit)
    NOTIFY = "notify"  # over the limit: send the one private notice for this window
    SILENT = "silent"  # over the limit and already notified: say nothing


@dataclass(frozen=True)
class RateVerdict:
    """The decision and, when limited, how long until the member may ask again."""

    decision: RateDecision
    retry_after: float = 0.0


class MemberRateLimit:
    """At most ``max_questions`` replies per member in any ``window_seconds``."""

    def __init__(
        self, max_questions: int, window_seconds: float, clock: Clock = time.monotonic
    ) -> None:
        if max_questions < 1 or window_seconds <= 0:
            raise ValueError("max_questions must be >= 1 and window_seconds > 0")
        self.max_questions = max_questions
        self.window_seconds = window_seconds
        self._clock = clock
        self._asked: dict[int, deque[float]] = {}
        # member -> time until which they have already been told to slow down
        self._notified_until: dict[int, float] = {}

    def check(self, member_id: int) -> RateVerdict:
        """Decide for a new question; an allowed one is counted at once."""
        now = self._clock()
        self._sweep(now)
        asked = self._asked.setdefault(member_id, deque())
        while asked and asked[0] <= now - self.window_seconds:
            asked.popleft()
        if len(asked) < self.max_questions:
            asked.append(now)
            return RateVerdict(RateDecision.ALLOW)
        free_at = asked[0] + self.window_seconds
        retry_after = max(0.0, free_at - now)
        if self._notified_until.get(member_id, 0.0) > now:
            return RateVerdict(RateDecision.SILENT, retry_after)
        self._notified_until[member_id] = free_at
        return RateVerdict(RateDecision.NOTIFY, retry_after)

    def _sweep(self, now: float) -> None:
        if len(self._asked) + len(self._notified_until) < SWEEP_THRESHOLD:
            return
        horizon = now - self.window_seconds
        self._asked = {m: q for m, q in self._asked.items() if q and q[-1] > horizon}
        self._notified_until = {m: t for m, t in self._notified_until.items() if t > now}


class RepeatWindow:
    """Remembers where each entry was last answered in each channel, for a while."""

    def __init__(self, window_seconds: float, clock: Clock = time.monotonic) -> None:
        if window_seconds < 0:
            raise ValueError("window_seconds must be >= 0")
        self.window_seconds = window_seconds
        self._clock = clock
        self._answered: dict[tuple[int, str], tuple[float, str]] = {}

    def earlier(self, channel_id: int, entry_id: str) -> str | None:
        """The link to this entry's answer in this channel if it is recent, else None."""
        if self.window_seconds == 0:
            return None
        seen = self._answered.get((channel_id, entry_id))
        if seen is None:
            return None
        at, link = seen
        if self._clock() - at >= self.window_seconds:
            del self._answered[(channel_id, entry_id)]
            return None
        return link

    def remember(self, channel_id: int, entry_id: str, link: str) -> None:
        """Record that ``entry_id`` was just answered in ``channel_id`` at ``link``."""
        if self.window_seconds == 0:
            return
        now = self._clock()
        if len(self._answered) >= SWEEP_THRESHOLD:
            horizon = now - self.window_seconds
            self._answered = {k: v for k, v in self._answered.items() if v[0] > horizon}
        self._answered[(channel_id, entry_id)] = (now, link)
