"""The per-visitor quota: students never notice it, a script flooding the workers is slowed to its rate."""

from __future__ import annotations

from explorer.serve.quota import Quota


def test_a_student_clicking_every_half_second_for_ten_minutes_is_never_refused():
    quota = Quota()
    assert all(quota.take(now=t * 0.5) for t in range(1200))


def test_playing_backward_at_full_speed_is_never_refused():
    quota = Quota()  # the player's fastest speed asks for about two steps a second
    assert all(quota.take(now=t * 0.25) for t in range(400))


def test_a_flood_gets_the_burst_then_only_the_rate():
    quota = Quota(rate=4.0, burst=20)
    granted = sum(quota.take(now=t / 100) for t in range(1000))  # 100 jobs a second for 10 s
    assert 20 + 4 * 9 <= granted <= 20 + 4 * 10 + 1


def test_tokens_never_pile_up_past_the_burst():
    quota = Quota(rate=4.0, burst=5)
    quota.take(now=0.0)
    assert sum(quota.take(now=3600.0) for _ in range(10)) == 5


def test_the_wait_said_is_the_time_until_the_next_job_is_allowed():
    quota = Quota(rate=2.0, burst=1)
    assert quota.take(now=0.0) and not quota.take(now=0.0)
    assert quota.wait() == 0.5
    assert not quota.take(now=0.4) and quota.take(now=0.5)
