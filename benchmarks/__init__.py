"""Benchmarks: printed figures, never asserted. Pictures come from ../shared/images (SHARED_IMAGES overrides)."""

import os
from pathlib import Path

IMAGES = Path(os.environ.get("SHARED_IMAGES") or Path(__file__).resolve().parents[2] / "shared" / "images")
