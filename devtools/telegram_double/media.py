"""Files as Telegram keeps them: ids, photo re-encoding into several PhotoSizes, download paths."""

from __future__ import annotations

import io
import itertools
import secrets
from dataclasses import dataclass, field

from PIL import Image, ImageOps

#: Longest sides of the PhotoSizes Telegram makes of a photo (thumbnails s, m, x, then y ≤ 1280).
PHOTO_SIDES = (90, 320, 800, 1280)
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses larger files
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024
MAX_DOCUMENT_UPLOAD = 50 * 1024 * 1024


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.data)

    def photo_size(self) -> dict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }

    def document(self) -> dict:
        doc = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": self.size}
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def clip(self, kind: str) -> dict:
        """The Video, Animation or VideoNote object of a stored clip."""
        found = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": self.size,
                 "duration": self.extra.get("duration", 0)}  # fmt: skip
        if kind == "video_note":
            return {**found, "length": self.width}
        found.update(width=self.width, height=self.height, mime_type=self.mime_type)
        return {**found, "file_name": self.file_name} if self.file_name else found

    def file(self) -> dict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


class FileStore:
    """Every file the double knows, by file_id."""

    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(self, data: bytes, folder: str, ext: str, **meta) -> StoredFile:
        n = next(self._counter)
        stored = StoredFile(
            file_id=f"{folder[:2].upper()}{n:06d}{secrets.token_hex(12)}",
            file_unique_id=f"U{n:06d}{secrets.token_hex(4)}",
            data=data,
            file_path=f"{folder}/file_{n}.{ext}",
            **meta,
        )
        self.files[stored.file_id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self.files.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == path), None)

    def add_photo(self, data: bytes) -> list[dict]:
        """Re-encode a photo like Telegram: JPEG PhotoSizes up to 1280 px; raises ValueError if not a picture."""
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
            image = ImageOps.exif_transpose(image).convert("RGB")
        except Exception as exc:  # any decoder failure means: not a photo Telegram would accept
            raise ValueError("IMAGE_PROCESS_FAILED") from exc
        longest = max(image.size)
        sides = [s for s in PHOTO_SIDES if s < longest] + [min(longest, PHOTO_SIDES[-1])]
        sizes = []
        for side in dict.fromkeys(sides):
            copy = image.copy()
            copy.thumbnail((side, side), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            copy.save(buffer, "JPEG", quality=87)
            stored = self.add(
                buffer.getvalue(), "photos", "jpg", width=copy.width, height=copy.height, mime_type="image/jpeg"
            )
            sizes.append(stored.photo_size())
        return sizes

    def add_clip(self, kind: str, data: bytes, file_name: str | None = None, mime_type: str | None = None) -> dict:
        """A video, an animation (a GIF as Telegram keeps it: an MP4) or a round video note, as the
        Bot API describes it; raises ValueError if ``data`` is not a clip (as Telegram refuses it)."""
        width, height, duration = _probe_clip(data)
        if kind == "video_note" and width != height:
            raise ValueError("a video note is square")
        stored = self.add(data, {"video_note": "video_notes"}.get(kind, kind + "s"), "mp4", file_name=file_name,
                          mime_type=mime_type or "video/mp4", width=width, height=height,
                          extra={"duration": duration})  # fmt: skip
        return stored.clip(kind)

    def add_document(self, data: bytes, file_name: str | None, mime_type: str | None) -> dict:
        ext = (file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else "bin")[:8]
        return self.add(data, "documents", ext, file_name=file_name, mime_type=mime_type).document()


def _probe_clip(data: bytes) -> tuple[int, int, int]:
    """(width, height, whole seconds) of a clip, read with PyAV; ValueError if it is none."""
    import av

    try:
        with av.open(io.BytesIO(data)) as container:
            if not container.streams.video:
                raise ValueError("no video stream")
            stream = container.streams.video[0]
            frame = next(container.decode(stream), None)
            if frame is None:
                raise ValueError("no frames")
            seconds = container.duration / 1e6 if container.duration else 0.0
            return frame.width, frame.height, round(seconds)
    except av.error.FFmpegError as exc:
        raise ValueError(str(exc)) from None
