"""The per-visitor quota: students never notice it, a script flooding the workers is slowed to its rate, counted in
the seconds its jobs cost, not in how many there are."""

from __future__ import annotations

from explorer.serve.quota import Quota


def test_a_student_clicking_every_half_second_for_ten_minutes_is_never_refused():
    quota = Quota()
    assert all(quota.take(now=t * 0.5) for t in range(1200))


def test_playing_backward_at_full_speed_is_never_refused():
    quota = Quota()  # the player's fastest speed asks for about two steps a second
    assert all(quota.take(now=t * 0.25) for t in range(400))


def test_a_flood_gets_the_burst_then_only_the_rate():
    quota = Quota(rate=4.0, burst=20, least=1)
    granted = sum(quota.take(now=t / 100) for t in range(1000))  # 100 jobs a second for 10 s
    assert 20 + 4 * 9 <= granted <= 20 + 4 * 10 + 1


def test_tokens_never_pile_up_past_the_burst():
    quota = Quota(rate=4.0, burst=5, least=1)
    quota.take(now=0.0)
    assert sum(quota.take(now=3600.0) for _ in range(10)) == 5


def test_the_wait_said_is_the_time_until_the_next_job_is_allowed():
    quota = Quota(rate=2.0, burst=1, least=1)
    assert quota.take(now=0.0) and not quota.take(now=0.0)
    assert quota.wait() == 0.5
    assert not quota.take(now=0.4) and quota.take(now=0.5)


def _served(quota: Quota, job_seconds: float, run_seconds: float, pause: float, for_seconds: float) -> float:
    """A visitor asking for one job after another, each taking ``job_seconds`` in a worker and ``run_seconds`` of
    page run in the app's process, ``pause`` seconds apart: the seconds of work they got in ``for_seconds``."""
    now, served = 0.0, 0.0
    while now < for_seconds:
        if quota.take(now=now):
            now += job_seconds
            quota.spend(job_seconds - quota.least + run_seconds, now=now)
            served += job_seconds + run_seconds
        now += pause
    return served


def test_a_script_asking_for_the_costliest_jobs_without_a_pause_gets_only_the_rate_in_seconds():
    quota = Quota()  # seven-second jobs: with a quota of jobs alone, it would keep a worker busy all the time
    served = _served(quota, job_seconds=7.0, run_seconds=0.3, pause=0.05, for_seconds=600)
    assert served <= quota.burst + quota.rate * 600 + 7.3


def test_a_script_asking_for_cheap_jobs_without_a_pause_is_bounded_by_their_page_runs_too():
    quota = Quota()  # a quick job, whose page run in the app's process costs more than the job
    served = _served(quota, job_seconds=0.05, run_seconds=0.4, pause=0.01, for_seconds=600)
    assert served <= quota.burst + quota.rate * 600 + 0.45


def test_a_student_exploring_is_never_refused_even_after_one_of_the_costliest_views():
    quota = Quota()
    assert _served(quota, job_seconds=7.0, run_seconds=0.3, pause=1.0, for_seconds=1) == 7.3  # the derivative graph
    # then a change a second, each a typical page (0.1 s in a worker, 0.1 s of page run), for ten minutes
    now, refused = 8.0, 0
    while now < 608:
        refused += not quota.take(now=now)
        quota.spend(0.15, now=now + 0.1)
        now += 1.0
    assert refused == 0
