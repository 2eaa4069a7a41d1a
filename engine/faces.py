"""Faces in a photo, and where a painting should hold closer to the photo because of them.

OpenCV's Haar cascades (shipped inside opencv-python-headless, read by path, nothing downloaded):
the frontal ``alt2`` cascade and the profile cascade both ways round. Found on the *photo* — on a
painting they are unreliable — at longest sides of 640 and 768 px, with 6 neighbours: on the
shared and the packaged test pictures this found every frontal and the three-quarter face and
nothing in a landscape, a still life or a painting, where 5 neighbours or the default frontal
cascade added false faces (one in a corner of The Scream; docs/engine.md, "Faces").

A face becomes a soft weight map (0…1, the photo's size): 1 over the eyes, nose and mouth, less
over the rest of the head, feathered, so that whatever uses it fades out rather than cutting an edge.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

#: The longest sides at which faces are looked for (a cascade's verdict on a turned face can change
#: from one scale to the next; a face found at either counts).
FIND_SIDES = (640, 768)
#: A small photo is looked at no more than this many times enlarged: a face of a few pixels blown up
#: twelve times is blur to the cascades, and searching it at 768 px cost a 64-px painting 0.6 s (more
#: than the painting itself).
MOST_ENLARGED = 2
#: A face is at least this many pixels wide there (smaller ones are too small to smear).
MIN_FACE = 40
#: Cascade votes a face needs (6: no false faces on the test pictures, where 5 added one; 8 missed
#: the three-quarter face).
NEIGHBOURS = 6
#: The head's weight outside the features (forehead, hair, jaw, ears), against 1 on the features.
HEAD_WEIGHT = 0.5


@dataclass(frozen=True)
class Face:
    """A face's box as fractions of the picture: (left, top, right, bottom)."""

    box: tuple[float, float, float, float]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]


@functools.cache
def _cascades():
    import cv2

    def load(name: str):
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + name)
        return None if cascade.empty() else cascade

    return load("haarcascade_frontalface_alt2.xml"), load("haarcascade_profileface.xml")


def find(photo: Image.Image) -> tuple[Face, ...]:
    """The faces in ``photo``, largest first (none where OpenCV's cascades are missing)."""
    import cv2

    frontal, profile = _cascades()
    boxes: list[tuple[float, float, float, float]] = []
    for side in sorted({min(side, MOST_ENLARGED * max(photo.size)) for side in FIND_SIDES}):
        scale = side / max(photo.size)
        size = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
        grey = cv2.equalizeHist(np.asarray(photo.convert("L").resize(size, Image.BICUBIC)))
        for cascade in (frontal, profile):
            for mirrored in (False, True) if cascade is profile else (False,):
                picture = np.ascontiguousarray(grey[:, ::-1]) if mirrored else grey
                boxes += _look(cascade, picture, mirrored)
    return tuple(Face(box) for box in _merge(boxes))


def _look(cascade, grey: np.ndarray, mirrored: bool) -> list[tuple[float, float, float, float]]:
    """One cascade's faces in ``grey`` as fractions of it (``mirrored``: found in the picture flipped)."""
    if cascade is None:
        return []
    h, w = grey.shape
    found = cascade.detectMultiScale(grey, 1.1, NEIGHBOURS, minSize=(MIN_FACE, MIN_FACE))
    boxes = []
    for x, y, bw, bh in found if len(found) else ():
        left = w - x - bw if mirrored else x
        boxes.append((float(left / w), float(y / h), float((left + bw) / w), float((y + bh) / h)))
    return boxes


def _merge(boxes: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """One box per face: a box that overlaps a larger one by more than a third is the same face."""
    kept: list[tuple[float, float, float, float]] = []
    for box in sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True):
        if all(_overlap(box, other) <= 1 / 3 for other in kept):
            kept.append(box)
    return kept


def _overlap(a, b) -> float:
    """The share of ``a`` (the smaller) that lies inside ``b``."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / max(1e-9, (a[2] - a[0]) * (a[3] - a[1]))


def weights(faces: tuple[Face, ...], size: tuple[int, int]) -> Image.Image | None:
    """The faces as a soft weight map at ``size`` (mode "L", 255 = the features), or None for no face.

    A cascade's box runs from the eyebrows to below the mouth; the head is drawn around it a little
    larger and higher (the hair), and both are feathered by a tenth of the face's width."""
    if not faces:
        return None
    w, h = size
    canvas = Image.new("L", size, 0)
    draw = ImageDraw.Draw(canvas)
    for face in faces:
        x0, y0, x1, y1 = face.box[0] * w, face.box[1] * h, face.box[2] * w, face.box[3] * h
        bw, bh = x1 - x0, y1 - y0
        draw.ellipse((x0 - 0.15 * bw, y0 - 0.35 * bh, x1 + 0.15 * bw, y1 + 0.2 * bh), fill=round(255 * HEAD_WEIGHT))
    for face in faces:
        x0, y0, x1, y1 = face.box[0] * w, face.box[1] * h, face.box[2] * w, face.box[3] * h
        bw, bh = x1 - x0, y1 - y0
        draw.ellipse((x0 + 0.1 * bw, y0 + 0.15 * bh, x1 - 0.1 * bw, y1 - 0.02 * bh), fill=255)
    radius = max(1.0, 0.1 * max(f.width for f in faces) * w)
    return canvas.filter(ImageFilter.GaussianBlur(radius))


def where(photo: Image.Image) -> Image.Image | None:
    """Where ``photo``'s faces are, as ``weights`` at its size (None: no face)."""
    return weights(find(photo), photo.size)
