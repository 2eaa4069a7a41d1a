"""Pictures and clips on disk: inputs downloaded from Telegram, results, previews — with a size/age limit."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from telegram import Message
from telegram.error import BadRequest

from engine.errors import ImageError
from engine.video.clips import ClipInfo
from worker.protocol import Media

from .. import texts
from ..limits import FILE_CACHE_AGE, FILE_CACHE_BYTES, MAX_DOWNLOAD
from .inspector import Inspector

IMAGE_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "image/gif": ".gif",
    "image/bmp": ".bmp",
    "image/tiff": ".tiff",
}


@dataclass(frozen=True)
class IncomingPicture:
    file_id: str
    unique_id: str
    size: int | None
    extension: str


def picture_in(message: Message) -> IncomingPicture | None:
    """The picture a message carries (largest photo size, or an image sent "as file"), if any."""
    if message.photo:
        photo = message.photo[-1]
        return IncomingPicture(photo.file_id, photo.file_unique_id, photo.file_size, ".jpg")
    document = message.document
    if document and (document.mime_type or "").startswith("image/"):
        extension = IMAGE_EXTENSIONS.get(document.mime_type, ".img")
        return IncomingPicture(document.file_id, document.file_unique_id, document.file_size, extension)
    return None


#: A clip's file name ending by its MIME type (a video sent as a file may be any of these).
CLIP_EXTENSIONS = {
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "video/x-matroska": ".mkv",
    "video/mpeg": ".mpg",
    "video/3gpp": ".3gp",
}


@dataclass(frozen=True)
class IncomingClip:
    """A moving picture a message carries: a video, an animation (a GIF, an MP4 to Telegram), a round
    video note, or a video sent as a file."""

    file_id: str
    unique_id: str
    size: int | None
    extension: str
    media: Media


def clip_in(message: Message) -> IncomingClip | None:
    """The clip a message carries, if any (an animation before its document: Telegram sends both)."""
    if message.video_note:
        note = message.video_note
        return IncomingClip(note.file_id, note.file_unique_id, note.file_size, ".mp4", Media.VIDEO_NOTE)
    for found, media in ((message.animation, Media.ANIMATION), (message.video, Media.VIDEO)):
        if found:
            extension = CLIP_EXTENSIONS.get(found.mime_type or "", ".mp4")
            return IncomingClip(found.file_id, found.file_unique_id, found.file_size, extension, media)
    document = message.document
    if document and (document.mime_type or "").startswith("video/"):
        extension = CLIP_EXTENSIONS.get(document.mime_type, ".video")
        return IncomingClip(document.file_id, document.file_unique_id, document.file_size, extension, Media.VIDEO)
    return None


class FileCache:
    """Files under ``root``; names never come from user input (only Telegram's unique ids and job ids).
    What comes in is checked by ``inspector`` (in processes of its own), never decoded here."""

    def __init__(
        self,
        root: Path,
        max_bytes: int = FILE_CACHE_BYTES,
        max_age: float = FILE_CACHE_AGE,
        inspector: Inspector | None = None,
    ):
        self.root, self.max_bytes, self.max_age = root, max_bytes, max_age
        self.inspector = inspector or Inspector()
        self.inputs, self.results, self.previews = root / "inputs", root / "results", root / "previews"
        for folder in (self.inputs, self.results, self.previews):
            folder.mkdir(parents=True, exist_ok=True)

    def input_path(self, picture: IncomingPicture) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", picture.unique_id)[:80]
        return self.inputs / f"{safe}{picture.extension}"

    def result_path(self, job_id: int, suffix: str = ".png") -> Path:
        return self.results / f"job_{job_id}{suffix}"

    def thumbnail_path(self, path: Path) -> Path:
        """Where the small JPEG of an input (what its queued card shows) is kept."""
        return self.previews / f"thumb_{hashlib.sha1(str(path).encode()).hexdigest()[:20]}.jpg"

    async def fetch(self, bot, picture: IncomingPicture) -> Path:
        """Download (once) and check that it is a usable picture; raises ImageError with a human message."""
        path = await self.download(bot, picture)
        await self.inspector.picture(path, self.thumbnail_path(path))
        return path

    async def fetch_moving(self, bot, picture: IncomingPicture) -> tuple[Path, ClipInfo | None]:
        """A GIF or WebP sent as a file, downloaded and checked: its clip info when it moves, else None
        (a picture, checked as any other). Raises ImageError."""
        path = await self.download(bot, picture)
        found = await self.inspector.picture(path, self.thumbnail_path(path), moving=True)
        return path, found.clip

    async def fetch_clip(self, bot, clip: IncomingClip) -> tuple[Path, ClipInfo]:
        """Download (once) and read a clip: its size, rate, length and sound (raises ImageError:
        not a video, no frames, too big, frames no picture could be)."""
        path = await self.download(bot, clip)
        return path, (await self.inspector.clip(path, self.thumbnail_path(path))).clip

    async def thumbnail(self, path: Path, clip: bool = False) -> bytes:
        """The small JPEG of an input (a clip's first frame), made when it was checked, or now."""
        thumbnail = self.thumbnail_path(path)
        if not thumbnail.exists():  # (pruned meanwhile, or an input from before thumbnails were kept)
            await (self.inspector.clip if clip else self.inspector.picture)(path, thumbnail)
        return thumbnail.read_bytes()

    async def download(self, bot, picture: IncomingPicture | IncomingClip) -> Path:
        """A file from Telegram into the inputs, once (bots download at most 20 MB)."""
        if picture.size is not None and picture.size > MAX_DOWNLOAD:
            megabytes = picture.size / 1024**2
            raise ImageError(texts.too_big_download(megabytes), "too_big", {"megabytes": megabytes})
        path = self.input_path(picture)
        if not path.exists():
            try:
                file = await bot.get_file(picture.file_id)
            except BadRequest as exc:  # the size was not in the message, but Telegram knows it
                if "too big" in str(exc).lower():
                    raise ImageError(texts.too_big_download(None), "too_big") from None
                # an id Telegram does not know (any more): a forged message, a file long gone
                raise ImageError(f"Telegram cannot hand out that file ({exc}).", "not_found") from None
            # a part file of this download's own: two replicas may fetch the same picture at once
            # into a shared store (an album split between them)
            partial = path.with_suffix(f"{path.suffix}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")
            try:
                await file.download_to_drive(partial)
                partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
        return path

    def prune(self, keep: Iterable[Path] = ()) -> int:
        """Delete files older than max_age, then the oldest until under max_bytes; never those in
        ``keep``, nor a download still under way (``.part``). Files come and go meanwhile (a
        download finishing, another prune): one that is gone is passed over."""
        keep = {Path(p).resolve() for p in keep}
        now = time.time()
        found: list[tuple[float, int, Path]] = []
        for folder in (self.inputs, self.results, self.previews):
            for path in folder.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    if path.is_file():
                        stat = path.stat()
                        found.append((stat.st_mtime, stat.st_size, path))
        found.sort(key=lambda entry: entry[0])
        removed, total = 0, sum(size for _, size, _ in found)
        for mtime, size, path in found:
            if path.resolve() in keep or (path.suffix == ".part" and now - mtime <= self.max_age):
                continue  # (an old .part is a download a crash cut short)
            if now - mtime > self.max_age or total > self.max_bytes:
                total -= size
                path.unlink(missing_ok=True)
                removed += 1
        return removed
