"""Where pictures live while a job crosses machines: a :class:`PictureStore`.

The bot and the workers name pictures by *key* (a relative path); each side maps keys to files in
its own view of the store. The default is a directory on a shared volume (NFS, a Docker volume, a
bind mount), mounted wherever each host likes. Another store (an S3-compatible bucket) implements
the same three methods; none is bundled, because a shared directory needs no new server.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from .protocol import Done, Event, JobSpec, Progress


class StoreError(ValueError):
    """A path outside the store, or a key that climbs out of it."""


class PictureStore(Protocol):
    def key(self, path: str) -> str:
        """The key of a local path inside the store."""

    def put(self, path: str) -> str:
        """The key of a local picture, copied into the store first when it lives elsewhere."""

    def path(self, key: str) -> str:
        """The local path of a key (created folders included, so a worker can write there)."""


class DirectoryStore:
    """A directory, the same files seen by every host (mounted at any path on each)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()

    def key(self, path: str) -> str:
        resolved = Path(path).expanduser().resolve()
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            raise StoreError(f"{path} is not in the picture store {self.root}") from None

    def put(self, path: str) -> str:
        # A picture outside the store (the starter gallery inside the installed package) is copied
        # in once, named by its content, so a worker on another host can read it.
        try:
            return self.key(path)
        except StoreError:
            pass
        source = Path(path)
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:24]
        key = f"imported/{digest}{source.suffix.lower()}"
        target = Path(self.path(key))
        if not target.exists():
            partial = target.with_suffix(target.suffix + ".part")
            shutil.copyfile(source, partial)
            partial.replace(target)  # atomic: a reader never sees half a picture
        return key

    def path(self, key: str) -> str:
        target = (self.root / key).resolve()
        if not target.is_relative_to(self.root):
            raise StoreError(f"{key!r} is not a key of the picture store")
        target.parent.mkdir(parents=True, exist_ok=True)
        return str(target)


def spec_to_keys(spec: JobSpec, store: PictureStore) -> JobSpec:
    """The spec as it travels: every picture, the output and the preview folder by key."""
    return _map_spec(spec, store.put, store.key)


def spec_to_paths(spec: JobSpec, store: PictureStore) -> JobSpec:
    """The inverse on a worker: keys back to its own paths."""
    return _map_spec(spec, store.path, store.path)


def event_to_keys(event: Event, store: PictureStore) -> Event:
    """A worker's event with its pictures (result, preview) as keys."""
    return _map_event(event, store.key)


def event_to_paths(event: Event, store: PictureStore) -> Event:
    return _map_event(event, store.path)


def _map_spec(spec: JobSpec, convert_input, convert_output) -> JobSpec:
    inputs = {role: [replace(i, path=convert_input(i.path)) for i in found] for role, found in spec.inputs.items()}
    output = replace(spec.output, path=convert_output(spec.output.path))
    preview = convert_output(spec.preview_dir) if spec.preview_dir else None
    return JobSpec(spec.mode, inputs, output, dict(spec.settings), preview, spec.version)


def _map_event(event: Event, convert) -> Event:
    if isinstance(event, Done):
        return replace(event, artifacts=tuple(replace(a, path=convert(a.path)) for a in event.artifacts))
    if isinstance(event, Progress) and event.preview:
        return replace(event, preview=convert(event.preview))
    return event
