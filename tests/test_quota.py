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
    assert quota.wait(now=0.0) == 0.5 and quota.wait(now=0.25) == 0.25
    assert not quota.take(now=0.4) and quota.take(now=0.5)


def _served(quota: Quota, job_seconds: float, pause: float, for_seconds: float) -> float:
    """A visitor asking for one job after another, each taking ``job_seconds`` in a worker, ``pause`` seconds
    apart: the seconds of work they got in ``for_seconds``."""
    now, served = 0.0, 0.0
    while now < for_seconds:
        if quota.take(now=now):
            now += job_seconds
            quota.spend(job_seconds - quota.least, now=now)
            served += job_seconds
        now += pause
    return served


def test_a_script_asking_for_the_costliest_jobs_without_a_pause_gets_only_the_rate_in_seconds():
    quota = Quota()  # seven-second jobs: with a quota of jobs alone, it would keep a worker busy all the time
    served = _served(quota, job_seconds=7.0, pause=0.05, for_seconds=600)
    assert served <= quota.burst + quota.rate * 600 + 7


def test_a_student_exploring_is_never_refused_even_after_one_of_the_costliest_views():
    quota = Quota()
    assert _served(quota, job_seconds=7.0, pause=1.0, for_seconds=1) == 7  # the derivative graph
    # then a change a second, each a typical page (0.1 s in a worker), for ten minutes
    now, refused = 8.0, 0
    while now < 608:
        refused += not quota.take(now=now)
        quota.spend(0.1, now=now + 0.1)
        now += 1.0
    assert refused == 0


def _page_runs(share: Quota, run_seconds: float, pause: float, for_seconds: float) -> tuple[float, float]:
    """A session's page runs in the app's process, each ``run_seconds`` of processor time, the next asked for
    ``pause`` seconds after the last ended, each waiting first as ``panels.jobs.page_run`` does: the processor
    seconds it got in ``for_seconds``, and the longest it waited."""
    now, used, longest = 0.0, 0.0, 0.0
    while now < for_seconds:
        waited = share.wait(now=now)
        longest = max(longest, waited)
        now += waited + run_seconds
        share.spend(run_seconds, now=now)
        used += run_seconds
        now += pause
    return used, longest


# what page runs cost in the app's process (panels.jobs.page_run's charge, measured with AppTest): a lab
# lesson's page about 10 ms, a new lab function's 11-20 ms; a 50-step chain's page with a 10,000-point plot
# 30-45 ms, an 80-step chain's 50-80 ms


def test_a_student_changing_the_function_twice_a_second_never_waits_for_the_app():
    assert _page_runs(Quota.page_runs(), run_seconds=0.02, pause=0.5, for_seconds=600)[1] == 0


def test_the_player_at_its_fastest_on_a_lab_page_never_waits_for_the_app():
    # half a second a step
    assert _page_runs(Quota.page_runs(), run_seconds=0.014, pause=0.5, for_seconds=600)[1] == 0


def test_the_player_at_its_fastest_on_the_biggest_pages_is_slowed_never_stopped():
    for run_seconds in (0.045, 0.08):  # a 50-step chain's page, an 80-step chain's
        used, longest = _page_runs(Quota.page_runs(), run_seconds=run_seconds, pause=0.5, for_seconds=600)
        assert longest < 1.2  # a step every 1.6 s instead of 0.5 s, at worst
        assert used >= Quota.page_runs().rate * 600 * 0.9


def test_a_script_rerunning_a_big_page_without_a_pause_gets_only_its_share_of_the_app():
    share = Quota.page_runs()
    used, _ = _page_runs(share, run_seconds=0.12, pause=0.0, for_seconds=600)
    assert used <= share.burst + share.rate * 600 + 2 * 0.12  # the last run may start late and end past 600 s
    assert used >= share.rate * 600 * 0.9  # paced, not shut out: every run is drawn, later
