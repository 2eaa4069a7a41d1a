"""The inspector: what strangers send is read in processes of its own, with a memory ceiling and a
time limit; one that hangs, dies or runs out of memory is answered as unreadable (or too large),
and the next check is served by fresh processes."""

from __future__ import annotations

import os
import time

import pytest

from bot.telegram.inspector import Inspector
from engine.errors import ImageError

from ..conftest import picture


async def test_a_check_that_hangs_dies_or_swells_is_answered_and_the_next_one_served(tmp_path):
    inspector = Inspector(timeout=2.0, memory=512 * 1024**2)
    photo = tmp_path / "photo.png"
    picture(64, 48).save(photo)
    try:
        found = await inspector.picture(photo, tmp_path / "thumb.jpg")
        assert found.size == (64, 48) and (tmp_path / "thumb.jpg").stat().st_size > 0
        served_by = await inspector._run(os.getpid)
        assert served_by != os.getpid()  # not this process

        started = time.monotonic()
        with pytest.raises(ImageError) as hung:
            await inspector._run(time.sleep, 30)
        assert hung.value.code == "corrupt" and time.monotonic() - started < 10
        with pytest.raises(ImageError) as died:
            await inspector._run(os.abort)
        assert died.value.code == "corrupt"
        with pytest.raises(ImageError) as swelled:
            await inspector._run(bytearray, 2 * 1024**3)  # over the ceiling
        assert swelled.value.code == "too_many_pixels"

        assert (await inspector.picture(photo)).size == (64, 48)  # fresh processes take the next one
        assert await inspector._run(os.getpid) != served_by
    finally:
        inspector.close()


async def test_a_picture_that_lies_is_refused_by_its_header_with_what_is_wrong(tmp_path):
    from .test_media_bombs import gif_bomb, webp_bomb

    inspector = Inspector()
    try:
        for name, data in (("bomb.webp", webp_bomb()), ("bomb.gif", gif_bomb())):
            (tmp_path / name).write_bytes(data)
            for moving in (False, True):
                with pytest.raises(ImageError) as refused:
                    await inspector.picture(tmp_path / name, moving=moving)
                assert refused.value.code == "too_many_pixels"
                assert refused.value.params["megapixels"] in ("64", "16.8")
    finally:
        inspector.close()
