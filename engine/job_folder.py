"""Where a job writes its files: one folder per job, which whoever runs the job removes whatever
happens to it (done, failed, cancelled), and which a new engine process clears after one that died.

A mode is handed its job's folder (``run(engine, inputs, settings, callback, folder)``) and writes
every file of its own there — a clip, a sticker, a time-lapse; :func:`run_in` returns them all in
the result, and the caller moves out what it keeps before the folder goes."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def root() -> Path:
    """The folder that holds every running job's folder on this machine (under the system's temp)."""
    return Path(tempfile.gettempdir()) / "paintbot-jobs"


@contextlib.contextmanager
def job_folder(name: str) -> Iterator[Path]:
    """A fresh, empty folder for the job ``name``, removed with all it holds when the block ends."""
    folder = root() / f"{os.getpid()}-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)[:80]}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_in(engine, mode: str, inputs: dict, settings, callback, folder: Path):
    """A job of ``mode`` run in its ``folder``, everything it made in its result: the files the mode
    wrote beside it (a time-lapse) and the photo's subject as the network found it (a grey
    ``mask.png``), which the photo's next jobs are given instead of looking again."""
    import dataclasses

    from .regions import noting

    with noting() as found:
        result = engine.run(mode, inputs, settings, callback=callback, folder=folder)
    mask = subject_mask(found, folder)
    return result if mask is None else dataclasses.replace(result, extras=(*result.extras, mask))


def subject_mask(found, folder: Path):
    """The largest subject the network found for a job (engine.regions.noting), as a grey PNG in
    its folder; None if it found none."""
    from .results import Made

    if not found:
        return None
    alpha = max(found, key=lambda subject: subject.alpha.width * subject.alpha.height).alpha
    alpha.save(folder / "mask.png", "PNG")
    return Made(str(folder / "mask.png"), "mask", alpha.size)


def given(folder: str | Path | None) -> Path:
    """The folder a mode writes in: its job's, or (a caller that gave none: a script, the command line)
    a new temporary one that the caller then owns."""
    if folder is not None:
        return Path(folder)
    return Path(tempfile.mkdtemp(prefix="paintbot-"))


def clear_abandoned() -> int:
    """Remove the job folders of processes that are gone (an engine killed mid-job); how many."""
    removed = 0
    with contextlib.suppress(FileNotFoundError):
        for folder in root().iterdir():
            pid = folder.name.split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
