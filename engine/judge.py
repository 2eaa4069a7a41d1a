"""A common judge of a stylised picture, independent of any tool's own loss weights.

Two distances, each relative to the target's own size so they read as fractions and compare
across tools, pictures and sizes:

* content distance — ‖F(out) − F(content)‖ / ‖F(content)‖ at relu4_2, the content at the output's size;
* style distance — the mean over relu1_1…relu5_1 of ‖G(out) − G(style)‖ / ‖G(style)‖, Gram matrices
  normalised per position, the style resized to the output's longest side.

Lower is closer. Used by the benchmark (ours vs pastiche) and by tests (style strength).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from PIL import Image

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
