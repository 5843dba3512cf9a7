"""How much new work one visitor may ask for: a token bucket per browser session.

Every job that reaches the worker pool (a page not in the cache, a backward
step, a deeper view) takes one token; tokens come back at ``rate`` per second up
to ``burst``. A student clicking through lessons or playing backward at full
speed never runs dry; a script sending changes as fast as it can is told to slow
down, and the workers stay free for everyone else. Answers already in the cache
cost nothing.

>>> quota = Quota(rate=1.0, burst=2)
>>> [quota.take(now=0.0) for _ in range(3)]
[True, True, False]
>>> quota.take(now=1.0)
True
"""

from __future__ import annotations

import threading
import time

__all__ = ["Quota"]


class Quota:
    """A token bucket; ``take`` says whether one more job may run now."""

    def __init__(self, rate: float = 4.0, burst: int = 20) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._then: float | None = None
        self._lock = threading.Lock()  # a download spends from the page's thread and from Streamlit's own

    def take(self, now: float | None = None) -> bool:
        """Spend one token if there is one; refills by the time since the last call."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._then is not None:
                self._tokens = min(self.burst, self._tokens + (now - self._then) * self.rate)
            self._then = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def wait(self) -> float:
        """Seconds until the next token, for the message that asks the visitor to slow down."""
        return max(0.0, (1 - self._tokens) / self.rate)
