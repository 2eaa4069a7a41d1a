"""50 people at once against the real bot (tiny pictures, loopback only): nothing lost, nothing twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..load import simulate


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.slow
@pytest.mark.real_engine
async def test_fifty_users_at_once_each_get_exactly_one_picture(running, client):
    before = _rss_mb()
    report = await simulate(client, 50)
    grown = _rss_mb() - before
    print(
        f"50 users: {report.seconds:.1f} s, {report.throughput:.2f} jobs/s, "
        f"p95 first reply {report.p95_first_reply * 1000:.0f} ms, memory +{grown:.0f} MB"
    )
    assert sorted(report.results.values()) == [1] * 50  # every job answered exactly once
    for user, shown in report.positions.items():
        assert shown and shown == sorted(shown, reverse=True), (user, shown)  # places only move up
    firsts = sorted(shown[0] for shown in report.positions.values())
    assert firsts[0] == 1 and firsts[-1] >= 25  # they really queued behind each other (handled at once, some
    # finish while the last are still pressing)
    assert grown < 300, grown  # bounded: the bot does not keep pictures or updates in memory
    jobs = await running.settled_jobs()
    assert len(jobs) == 50 and all(job.status == "done" for job in jobs)
