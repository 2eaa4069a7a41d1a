"""A worker's task on its own, with a database that does not answer: what it keeps when cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import types

from engine import StyleSettings
from worker.host import Host, WorkerConfig
from worker.protocol import JobSpec
from worker.store import DirectoryStore, spec_to_keys

from ..conftest import picture, stripes


class Unanswered:
    """A connector whose queries wait for a database that never comes back."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def execute_query_async(self, query: str, **values) -> None:
        self.asked.append(query)
        await asyncio.Event().wait()


async def test_a_job_cancelled_while_its_end_waits_for_the_database_gives_its_engine_back(tmp_path):
    """procrastinate's worker stopping as the database went cancels the task while the job's end
    waits to be written: the slot's engine comes back all the same, or every later job of this
    worker would wait for it, "doing", for ever."""
    store = tmp_path / "store"
    picture(96, 64).save(tmp_path / "c.jpg")
    stripes(64, 64).save(tmp_path / "s.png")
    spec = JobSpec.style(str(tmp_path / "c.jpg"), [str(tmp_path / "s.png")], str(store / "out" / "1.png"),
                         StyleSettings(size=64, steps=4))  # fmt: skip
    travelling = spec_to_keys(spec, DirectoryStore(store)).to_dict()
    host = Host(WorkerConfig(database_url="", store=str(store), simulate=0.1))
    await asyncio.to_thread(host.load)
    host.app = types.SimpleNamespace(connector=Unanswered())
    task = asyncio.create_task(host.paint(None, "1", travelling))
    for _ in range(100):  # painted; its events wait for the database
        if any("INSERT INTO engine_events" in q for q in host.app.connector.asked) and host.engines.empty():
            await asyncio.sleep(0.3)
            break
        await asyncio.sleep(0.05)
    assert host.engines.empty() and not task.done()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert host.engines.qsize() == 1
