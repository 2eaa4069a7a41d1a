"""`make demo` in a real browser: Debian's Chromium, headless, driven by Selenium (no browser downloads),
against the demo (the double, the real bot and engine at tiny sizes, the web chat). Screenshots of
any failure are saved beside the test's temporary folder and their paths printed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..bot_harness import free_port
from ..conftest import encode, picture, stripes

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM, DRIVER = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (apt)"),
]


@pytest.fixture()
def demo(tmp_path):
    port, log = free_port(), tmp_path / "demo.log"
    env = {**os.environ, "BOT_PRESETS": "fast=128x80,balanced=128x80,best=128x80", "ENGINE_DEVICE": "cpu"}
    with log.open("w") as out:  # a file, not a pipe: a pipe nobody reads would block the bot's logging
        process = subprocess.Popen(
            [sys.executable, "-m", "devtools.demo", "--port", str(port), "--data-dir", str(tmp_path / "demo")],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while "Demo chat on" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Demo chat on" in log.read_text(), log.read_text()
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


@pytest.fixture()
def browser(tmp_path, request):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=420,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    report = getattr(request.node, "rep_call", None)  # set by conftest.pytest_runtest_makereport
    if report is None or report.failed:
        shot = tmp_path / "failure.png"
        driver.save_screenshot(str(shot))
        print(f"screenshot of the failure: {shot}")
    driver.quit()


class Page:
    def __init__(self, driver, base: str, folder: Path):
        self.driver, self.base, self.folder = driver, base, folder

    def open(self, who: str, where: str) -> None:
        self.driver.get(f"{self.base}?as={who}&chat={where}")
        self.wait(lambda: self.driver.execute_script("return document.readyState") == "complete")

    def wait(self, condition, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = condition()
            if found:
                return found
            time.sleep(0.1)
        raise TimeoutError("the page never showed what was expected")

    def bubble_with(self, *texts: str, timeout: float = 60.0):
        """The newest message bubble whose text contains one of ``texts`` (waiting for it)."""
        script = (
            "return [...document.querySelectorAll('#messages .msg')].reverse()"
            ".find(b => arguments[0].some(t => b.textContent.includes(t))) || null"
        )
        return self.wait(lambda: self.driver.execute_script(script, list(texts)), timeout)

    def text_of(self, message_id: str) -> str | None:
        """A bubble's text now, or None once it is gone (deleted)."""
        script = "const b = document.querySelector(`[data-id='${arguments[0]}']`); return b && b.textContent"
        return self.driver.execute_script(script, message_id)

    def send(self, text: str = "", files: list[Path] = (), as_file: bool = False) -> None:
        chooser = self.driver.find_element("id", "files")
        if files:
            self.driver.execute_script("arguments[0].hidden = false", chooser)  # behind 📎 for a person
            chooser.send_keys("\n".join(str(f) for f in files))
            self.driver.execute_script("arguments[0].hidden = true", chooser)
        box = self.driver.find_element("id", "as-file")
        if box.is_selected() != as_file:
            box.click()
        field = self.driver.find_element("id", "text")
        field.clear()
        field.send_keys(text)
        self.driver.find_element("id", "send").click()

    def press(self, label: str, bubble=None) -> None:
        scope = bubble or self.bubble_with(label)
        buttons = scope.find_elements("css selector", ".keyboard button")
        next(b for b in buttons if b.get_attribute("textContent") == label).click()

    def file(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path


def test_the_demo_page_paints_in_a_private_chat_and_a_group(demo, browser, tmp_path):
    started = time.monotonic()
    page = Page(browser, demo, tmp_path)
    photo = page.file("photo.jpg", encode(picture(160, 120), "JPEG"))
    style = page.file("style.png", encode(stripes(96, 96, period=6)))
    page.open("ann", "private")
    welcome = page.wait(lambda: browser.find_element("id", "welcome").is_displayed())  # an empty chat: START
    assert welcome and "START" in browser.find_element("id", "welcome").text
    page.send(files=[photo])
    page.bubble_with("Got your photo")
    page.send(files=[style])
    page.press("▶ Stylize", page.bubble_with("Style saved"))
    card = page.bubble_with("Queued", "Painting").get_attribute("data-id")  # queued, or at once painting
    seen = [page.text_of(card)]
    while seen[-1] is not None:  # the card, edited in place (sketch, progress), until the result replaces it
        time.sleep(0.1)
        if (now := page.text_of(card)) != seen[-1]:
            seen.append(now)
    assert len(seen) >= 3 and any("%" in text for text in seen[:-1]), seen  # at least one edit, then gone
    result = page.bubble_with("Done in", timeout=120)
    assert result.find_elements("css selector", "img")  # the painting itself
    page.press("📄 Full-size PNG", result)
    assert page.bubble_with("painting_").find_element("css selector", "a").get_attribute("download").endswith(".png")

    # bad input gets the bot's real answers; the page itself refuses nothing
    page.send(files=[page.file("notes.txt", b"just words")], as_file=True)
    page.bubble_with("not a picture I can use")
    page.send(files=[page.file("huge.jpg", b"\xff\xd8" + os.urandom(30 * 1024 * 1024))], as_file=True)
    page.bubble_with("up to 20 MB")
    page.send(files=[page.file("broken.jpg", b"not a jpeg")])  # as a photo: the double refuses it like Telegram
    page.wait(lambda: not browser.find_element("id", "toast").get_attribute("hidden"))

    # the group: /stylize on a photo, the style as a reply to the bot's prompt (the page replies to it)
    page.open("ann", "group")
    page.send("/stylize", files=[photo])
    page.bubble_with("Got it, Ann")
    page.wait(lambda: browser.find_element("id", "reply-bar").is_displayed())
    page.send(files=[style])
    page.press("▶ Stylize", page.bubble_with("Style saved"))
    page.bubble_with("Ann, here is your painting", timeout=120)
    # after a reload the old prompt no longer turns the next message into a reply
    page.open("ann", "group")
    page.bubble_with("Ann, here is your painting")
    time.sleep(0.5)
    assert not browser.find_element("id", "reply-bar").is_displayed()
    assert not browser.find_element("id", "welcome").is_displayed()
    print(f"browser test: {time.monotonic() - started:.1f} s")
