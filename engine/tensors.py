"""Pictures to and from float tensors in [0, 1]."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image


def image_to_tensor(image: Image.Image, device: torch.device | str = "cpu") -> torch.Tensor:
    """RGB picture → float tensor (1, 3, H, W) in [0, 1]."""
    array = np.asarray(image.convert("RGB"), dtype=np.uint8)
    tensor = torch.from_numpy(array.copy()).permute(2, 0, 1).unsqueeze(0)
    return tensor.to(device=device, dtype=torch.float32).div_(255.0).contiguous()


def tensor_to_image(tensor: torch.Tensor) -> Image.Image:
    """Float tensor (1, 3, H, W) or (3, H, W) in [0, 1] → RGB picture (values clamped)."""
    if tensor.dim() == 4:
        tensor = tensor[0]
    array = tensor.detach().float().clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array, "RGB")
