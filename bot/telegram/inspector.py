"""Where what strangers send is read: processes of their own (engine.inspect), never the bot's.

A picture is decoded and a clip's first frame too, to tell at once that one is damaged; done in
the bot process, a lying file (a 142-byte WebP that claims 12000×12000, a GIF whose last frame
lasts eleven minutes) would cost the bot gigabytes or minutes, and everyone else their answers.
Here each check runs in one of a few small processes with a ceiling on their memory and on its
time; one that breaks or hangs is replaced, and the file is answered as unreadable."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import multiprocessing
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from engine.errors import ImageError

log = logging.getLogger(__name__)

#: Processes that check files at once (a check takes milliseconds to a second or two).
WORKERS = 2
#: Address space each may take beyond what it holds as it starts: a 64-MP picture decoded and
#: converted fits; a bomb does not.
MEMORY_BYTES = 2 * 1024**3
#: The longest a check may take before its process is ended and the file called unreadable.
TIMEOUT = 20.0
#: A process checks this many files, then a fresh one takes over (nothing it held lingers).
TASKS_PER_PROCESS = 200


def _limit_memory(budget: int) -> None:
    import os
    import resource
    import signal

    # Ctrl-C in a terminal reaches the whole process group: the bot ends these processes itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    # (on top of what is mapped already: the libraries, and whatever the parent's main module
    # imported — multiprocessing imports it again in each process unless it is a __main__)
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (mapped + budget, mapped + budget))
    os.nice(5)  # a check gives way to the bot's and the engines' own work


def _unreadable() -> ImageError:
    return ImageError("That file could not be read.", "corrupt")


class Inspector:
    """Runs engine.inspect's checks in worker processes (started at the first check)."""

    def __init__(self, workers: int = WORKERS, memory: int = MEMORY_BYTES, timeout: float = TIMEOUT):
        self.workers, self.memory, self.timeout = workers, memory, timeout
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def _ensure(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["engine.inspect"])  # forked ready to check, in milliseconds
            self._pool = concurrent.futures.ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_limit_memory,
                initargs=(self.memory,),
                max_tasks_per_child=TASKS_PER_PROCESS,
            )
        return self._pool

    async def picture(self, path: Path, thumbnail: Path | None = None, *, moving: bool = False):
        """engine.inspect.picture in a worker: an Inspected, or ImageError with what is wrong."""
        from engine import inspect

        return await self._run(inspect.picture, path, thumbnail, moving=moving)

    async def clip(self, path: Path, thumbnail: Path | None = None):
        """engine.inspect.clip in a worker: an Inspected with its ClipInfo, or ImageError."""
        from engine import inspect

        return await self._run(inspect.clip, path, thumbnail)

    async def _run(self, function, *args, retry: bool = True, **kwargs):
        pool = self._ensure()
        call = functools.partial(function, *args, **kwargs)
        what = args[0] if args else getattr(function, "__name__", function)  # (the file, in the log)
        try:
            future = asyncio.get_running_loop().run_in_executor(pool, call)
            return await asyncio.wait_for(future, self.timeout)
        except ImageError:
            raise
        except MemoryError:
            log.info("a file took more memory than a check may: %s", what)
            raise ImageError("That file is too large to read.", "too_many_pixels", {"megapixels": "64"}) from None
        except BrokenProcessPool:  # a process ended under it (the memory ceiling hit in C code, a crash)
            if retry and self._pool is not pool:  # another check's failure broke it: once more, afresh
                return await self._run(function, *args, retry=False, **kwargs)
            log.warning("a check of %s broke its process; starting afresh", what)
            self._restart(pool)
            raise _unreadable() from None
        except TimeoutError:
            log.warning("a check of %s took over %.0f s; starting afresh", what, self.timeout)
            self._restart(pool)
            raise _unreadable() from None
        except Exception:  # a decoder's own failure that engine.inspect did not put into words
            log.exception("checking %s failed", what)
            raise _unreadable() from None

    def _restart(self, pool: concurrent.futures.ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        # (Python 3.14 has pool.kill_workers(); until then the pool's own table of its processes)
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
