"""The waiting line, round-robin by user: a person's k-th waiting picture goes after everyone
else's k-th, so one heavy user cannot starve the rest. Pure Python: no I/O, no clock."""

from __future__ import annotations


class FairQueue:
    def __init__(self) -> None:
        self._waiting: list[int] = []  #: job ids in painting order
        self._owner: dict[int, int] = {}  #: job id → user id, for waiting and running jobs
        self._round: dict[int, int] = {}  #: job id → how many of its user's jobs were ahead when queued
        self._running: list[int] = []  #: job ids being painted, oldest first (several with workers)
        self._held: set[int] = set()  #: waiting jobs whose place is kept but which may not start yet

    @property
    def running(self) -> int | None:
        """The (oldest) job being painted."""
        return self._running[0] if self._running else None

    @property
    def running_jobs(self) -> tuple[int, ...]:
        return tuple(self._running)

    @property
    def waiting(self) -> tuple[int, ...]:
        return tuple(self._waiting)

    def __len__(self) -> int:
        return len(self._waiting)

    def __contains__(self, job_id: int) -> bool:
        return job_id in self._waiting

    def owner(self, job_id: int) -> int | None:
        return self._owner.get(job_id)

    def push(self, job_id: int, user_id: int) -> int:
        """Queue a job behind every other user's job of the same round; its index (0 = next). A job
        queued or running already stays as it is (queued once, whoever queues it again)."""
        if job_id in self._waiting or job_id in self._running:
            return self._waiting.index(job_id) if job_id in self._waiting else 0
        self._owner[job_id] = user_id
        self._round[job_id] = self._user_round(user_id)
        index = self.slot(self._round[job_id])
        self._waiting.insert(index, job_id)
        return index

    def push_front(self, job_id: int, user_id: int) -> None:
        """Put a job back at the head (a retry after the engine died under it)."""
        self._owner[job_id], self._round[job_id] = user_id, 0
        self._waiting.insert(0, job_id)

    def hold(self, job_id: int) -> None:
        """Keep a waiting job's place, but start the ones behind it first until :meth:`release`."""
        if job_id in self._waiting:
            self._held.add(job_id)

    def release(self, job_id: int) -> None:
        self._held.discard(job_id)

    def startable(self) -> bool:
        """Whether :meth:`pop` would give a job."""
        return len(self._waiting) > len(self._held)

    def pop(self) -> int | None:
        """The next job that is not held, now running; None when none waits."""
        job_id = next((j for j in self._waiting if j not in self._held), None)
        if job_id is None:
            return None
        self._waiting.remove(job_id)
        self._running.append(job_id)
        return job_id

    def finish(self, job_id: int) -> None:
        """The running job left (done, failed, cancelled) and was not put back."""
        if job_id in self._running:
            self._running.remove(job_id)
        if job_id not in self._waiting:
            self._owner.pop(job_id, None)
            self._round.pop(job_id, None)

    def remove(self, job_id: int) -> int | None:
        """Take a waiting job out; the index it had, or None if it was not waiting."""
        if job_id not in self._waiting:
            return None
        index = self._waiting.index(job_id)
        self._waiting.pop(index)
        self._held.discard(job_id)
        self._owner.pop(job_id, None)
        self._round.pop(job_id, None)
        return index

    def position(self, job_id: int) -> int:
        """1 = next; 0 = not waiting."""
        return self._waiting.index(job_id) + 1 if job_id in self._waiting else 0

    def slot_for(self, user_id: int) -> int:
        """The index a new job of ``user_id`` would get now."""
        return self.slot(self._user_round(user_id))

    def slot(self, round_: int) -> int:
        return next((i for i, j in enumerate(self._waiting) if self._round.get(j, 0) > round_), len(self._waiting))

    def _user_round(self, user_id: int) -> int:
        mine = sum(1 for j in self._waiting if self._owner.get(j) == user_id)
        return mine + sum(1 for j in self._running if self._owner.get(j) == user_id)
