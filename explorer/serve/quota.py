"""How much work one visitor may ask for: buckets of seconds per browser session.

NOTE [two shares: the workers' and the app's]
A session has two buckets, because what it uses is of two kinds. The workers'
(``Quota()``): the seconds its jobs held a worker. There are several workers, each
on its own core and at a lower priority than the app (NOTE [workers yield to page
runs] in explorer/serve/pool.py), so a job of seconds (the derivative graph of a
long chain) hurts nobody else much: the bucket is large. The app's
(``Quota.page_runs()``): the processor time its page runs take in the app's own
process, the one process that runs every visitor's page and holds one lock
(Python's) while it does. A session rerunning a big page without a pause takes
that lock from everyone, so its share is small, and a run past it first waits
(``wait``) instead of being refused: a rerun refused would cost a page run too.

Each bucket comes back at ``rate`` seconds per second, up to ``burst``. A job may
start while the balance holds at least ``least`` (what any job costs, however
quick); what it cost is ``spend``-t once it is known, so one costly job can take
the balance below zero, and the next job waits until it is paid back. A student
exploring (a change a second, most of them tens of milliseconds) never runs dry;
a script asking for the costliest jobs without a pause gets ``rate`` seconds of
work a second after its burst, however it spreads them, and the rest of the
machine stays free for everyone else. Answers already in the cache cost only
their page run.

>>> quota = Quota(rate=1.0, burst=2.0, least=1.0)
>>> [quota.take(now=0.0) for _ in range(3)]
[True, True, False]
>>> quota.take(now=1.0)
True
>>> quota.spend(3.0, now=1.0)  # that job took four seconds in all: three more than taken
>>> quota.take(now=3.0), quota.take(now=5.0)
(False, True)
"""

from __future__ import annotations

import threading
import time

__all__ = ["Quota"]


class Quota:
    """A bucket of seconds; ``take`` says whether one more job may start now, ``spend`` charges what it cost."""

    # defaults, the workers' share: a session may keep a quarter of a two-core machine's workers busy, after a
    # burst that holds one of the costliest jobs (a 50-step chain's derivative graph: about 7 s) with room to spare
    def __init__(self, rate: float = 0.5, burst: float = 10.0, least: float = 0.05) -> None:
        self.rate = rate
        self.burst = burst
        self.least = least
        self._seconds = float(burst)
        self._then: float | None = None
        self._lock = threading.Lock()  # a download spends from the page's thread and from Streamlit's own

    @classmethod
    def page_runs(cls) -> Quota:
        """The app's share (NOTE [two shares: the workers' and the app's]): a student's page runs (about 10 ms
        for a lab page, 11-20 ms for a new function, a change or two a second) and the player at its fastest on
        a lab page stay inside it; the player at its fastest on a long chain's page (30-80 ms a step) is slowed
        to a step every 0.9-1.6 s; a script rerunning a big page without a pause gets a twentieth of the app's
        processor past its first second. Twice this share let such a script double another visitor's p95 in one
        run of two (SECURITY.md, "Measured")."""
        return cls(rate=0.05, burst=1.0, least=0.0)

    def take(self, now: float | None = None) -> bool:
        """Spend ``least`` if the balance holds it; refills by the time since the last call."""
        with self._lock:
            self._refill(now)
            if self._seconds < self.least:
                return False
            self._seconds -= self.least
            return True

    def spend(self, seconds: float, now: float | None = None) -> None:
        """Charge ``seconds`` more (what a job cost beyond ``least``, or a page run's processor time)."""
        with self._lock:
            self._refill(now)
            self._seconds -= max(0.0, seconds)

    def wait(self, now: float | None = None) -> float:
        """Seconds until the next job (or page run) may start: the pause, or the message that asks to wait."""
        with self._lock:
            self._refill(now)
            return max(0.0, (self.least - self._seconds) / self.rate)

    def _refill(self, now: float | None) -> None:
        now = time.monotonic() if now is None else now
        if self._then is not None:
            self._seconds = min(self.burst, self._seconds + (now - self._then) * self.rate)
        self._then = now
