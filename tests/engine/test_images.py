"""Every kind of picture a phone (or a prankster) may send: usable ones decode right, bad ones fail clearly."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from engine.errors import ImageError
from engine.imaging import fit_size, open_image
from engine.tensors import image_to_tensor, tensor_to_image

from ..conftest import encode, picture


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A ~100-byte PNG whose header claims width×height pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def assert_fails(source, code: str, *words: str) -> ImageError:
    with pytest.raises(ImageError) as info:
        open_image(source, role="style image")
    error = info.value
    assert error.code == code, error.message
    assert "style image" in error.message
    for word in words:
        assert word in error.message.lower()
    assert "\n" not in error.message and "Traceback" not in error.message
    return error


def test_not_an_image():
    assert_fails(b"hello, this is a text file\n" * 10, "not_image", "jpeg", "png")


def test_empty_file():
    assert_fails(b"", "empty", "empty")


def test_truncated_jpeg():
    data = encode(picture(200, 150), "JPEG", quality=90)
    assert_fails(data[: len(data) // 2], "corrupt", "truncated")


def test_garbage_after_a_valid_signature():
    data = encode(picture(64, 64), "PNG")
    with pytest.raises(ImageError) as info:
        open_image(data[:40] + bytes(range(256)) * 4)
    assert info.value.code in ("corrupt", "not_image")


def test_decompression_bomb_refused_before_decoding():
    error = assert_fails(png_bomb(), "too_many_pixels", "megapixels")
    assert "large" in error.message


def test_pixel_limit_is_ours_not_pillows():
    data = encode(picture(300, 200), "PNG")
    with pytest.raises(ImageError) as info:
        open_image(data, max_pixels=50_000)
    assert info.value.code == "too_many_pixels" and "300×200" in info.value.message


def test_missing_file(tmp_path):
    assert_fails(tmp_path / "nope.jpg", "not_found", "does not exist")


def test_one_pixel_image_refused():
    assert_fails(encode(Image.new("RGB", (1, 1), "red")), "too_small", "1×1")


def test_extreme_panorama_refused_but_10_to_1_accepted():
    assert_fails(encode(picture(1000, 40)), "too_thin", "crop")
    assert open_image(encode(picture(640, 64))).size == (640, 64)


def test_animated_gif_gives_first_frame():
    frames = [Image.new("RGB", (40, 30), color) for color in ((250, 0, 0), (0, 0, 250))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(__import__("io").BytesIO(data)).n_frames == 2
    r, _g, b = open_image(data).getpixel((20, 15))
    assert r > 200 and b < 50


def test_animated_webp_gives_first_frame():
    frames = [Image.new("RGB", (40, 30), color) for color in ((0, 240, 0), (240, 0, 240))]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    r, g, _b = open_image(data).getpixel((20, 15))
    assert g > 200 and r < 50


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (40, 30), (0, 255, 255, 0))  # pure red in CMYK
    image = open_image(encode(cmyk, "JPEG", quality=95))
    assert image.mode == "RGB"
    r, g, b = image.getpixel((20, 15))
    assert r > 200 and g < 60 and b < 60


def test_grayscale_and_palette():
    gray = open_image(encode(Image.new("L", (40, 30), 77)))
    assert gray.mode == "RGB" and gray.getpixel((1, 1)) == (77, 77, 77)
    palette = open_image(encode(picture(40, 30).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)))
    assert palette.mode == "RGB" and palette.size == (40, 30)


def test_alpha_is_laid_on_white():
    rgba = Image.new("RGBA", (40, 30), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (0, 0, 20, 30))
    image = open_image(encode(rgba))
    assert image.getpixel((30, 15)) == (255, 255, 255)  # transparent → white, not red or black
    assert image.getpixel((5, 15)) == (0, 0, 255)


def test_16_bit_png_keeps_its_full_range():
    array = np.full((30, 40), 32768, np.uint16)
    array[:, :20] = 65535
    image = open_image(encode(Image.fromarray(array)))
    assert image.mode == "RGB"
    assert image.getpixel((5, 5)) == (255, 255, 255)
    assert abs(image.getpixel((30, 5))[0] - 128) <= 1  # half range is mid-gray, not clipped to white


def test_exif_rotation_is_applied():
    landscape = Image.new("RGB", (60, 30), (0, 0, 0))
    landscape.paste((255, 255, 255), (0, 0, 30, 30))  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    image = open_image(encode(landscape, "JPEG", exif=exif, quality=95))
    assert image.size == (30, 60)  # upright: portrait
    assert image.getpixel((15, 10))[0] > 200  # the white half is now on top
    assert image.getpixel((15, 50))[0] < 50


def test_heic_via_pillow_heif(tmp_path):
    path = tmp_path / "photo.heic"
    try:
        Image.new("RGB", (64, 48), (200, 30, 30)).save(path)
    except (KeyError, ValueError, OSError) as exc:
        pytest.skip(f"this pillow-heif build cannot encode HEIC ({exc})")
    image = open_image(path)
    assert image.size == (64, 48)
    r, g, _b = image.getpixel((32, 24))
    assert r > 150 and g < 90


def test_fit_size_keeps_aspect_and_minimum_side():
    assert fit_size((1024, 768), 512) == (512, 384)
    assert fit_size((768, 1024), 64) == (48, 64)
    assert fit_size((100, 100), 300) == (300, 300)
    # a 10:1 panorama at 64 px would be 6 px high: too small for relu5_1, so it is enlarged
    assert fit_size((1000, 100), 64) == (160, 16)


def test_tensor_round_trip_is_lossless():
    image = picture(33, 17)
    tensor = image_to_tensor(image)
    assert tensor.shape == (1, 3, 17, 33) and tensor.is_contiguous()
    assert float(tensor.min()) >= 0.0 and float(tensor.max()) <= 1.0
    assert np.array_equal(np.asarray(tensor_to_image(tensor)), np.asarray(image))
