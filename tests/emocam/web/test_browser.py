"""The page in a real browser: Debian's headless Chromium driven by Selenium against a real
``python -m emocam serve``. Skipped (with the reason) only where Chromium is not installed;
``.ci/run`` installs it.

Set ``EMOCAM_WEB_SCREENSHOT=PATH`` to also save the result page's screenshot there (the README's
``docs/web.png`` is made that way).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import time
from pathlib import Path

import cv2
import pytest

from emocam.emotions import NAMES
from tests.emocam.media import PORTRAIT, face_on_stage
from tests.emocam.web.server import serving

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--window-size=1280,860",
         "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]

pytestmark = pytest.mark.skipif(not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
                                reason="Debian's chromium and chromium-driver are not installed "
                                       "(apt-get install chromium chromium-driver; .ci/run does)")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")


def write_y4m(path: Path, frames: int = 30) -> Path:
    """A camera clip Chromium's fake camera plays in a loop: the portrait's face on a 640x480 stage."""
    rgb = face_on_stage()[0]
    i420 = cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), cv2.COLOR_BGR2YUV_I420)
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            f.write(b"FRAME\n" + i420.tobytes())
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    camera = write_y4m(tmp_path_factory.mktemp("camera") / "face.y4m")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS + [f"--use-file-for-fake-video-capture={camera}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    empty = tmp_path_factory.mktemp("empty")
    env = {"KERAS_HOME": str(empty), "XDG_DATA_HOME": str(empty), "EMOCAM_VGG_WEIGHTS": ""}
    with serving(env=env) as (base, _):
        yield base


def _wait(driver, condition, timeout: float = 30.0, what: str = ""):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition, message=f"timed out waiting for {what}")


def _open(driver, base: str) -> None:
    """Load the page and wait until its model list has arrived."""
    from selenium.webdriver.common.by import By

    driver.get(base + "/")
    _wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true", what="models")


def _problems(driver) -> list[str]:
    """Console errors (a CSP violation or a failed load shows up here)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_upload_a_photo_and_see_label_bars_emoji_and_box(browser, server, tmp_path):
    from selenium.webdriver.common.by import By

    _open(browser, server)
    assert browser.find_element(By.ID, "model").get_attribute("value") == "emocam_fer_v5.tflite"
    browser.find_element(By.ID, "file").send_keys(str(PORTRAIT))
    card = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#faces .face-card"), what="a face card")[0]
    label = card.find_element(By.CSS_SELECTOR, ".label").text
    assert re.fullmatch(rf"Face 1: ({'|'.join(NAMES)}) \d+%", label), label
    bars = card.find_elements(By.CSS_SELECTOR, "li.bar")
    assert [b.get_attribute("data-emotion") for b in bars] == list(NAMES)
    widths = [b.find_element(By.CSS_SELECTOR, ".fill").size["width"] for b in bars]
    assert max(widths) > 5 * min(widths) and max(widths) > 20  # drawn, and the top emotion stands out
    emoji = card.find_element(By.CSS_SELECTOR, "img.emoji")
    assert emoji.get_attribute("src").endswith(".png")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", emoji) > 0
    [box] = browser.find_elements(By.CSS_SELECTOR, "#boxes .box")
    assert box.size["width"] > 40 and label.split(": ")[1] in box.text
    assert "1 face found" in browser.find_element(By.ID, "photo-status").text
    assert _problems(browser) == []
    browser.save_screenshot(str(tmp_path / "web.png"))
    if os.environ.get("EMOCAM_WEB_SCREENSHOT"):
        shutil.copy(tmp_path / "web.png", os.environ["EMOCAM_WEB_SCREENSHOT"])


def test_a_non_image_shows_the_servers_message(browser, server, tmp_path):
    from selenium.webdriver.common.by import By

    fake = tmp_path / "notes.jpg"
    fake.write_text("not a photo")
    _open(browser, server)
    browser.find_element(By.ID, "file").send_keys(str(fake))
    _wait(browser, lambda d: "not an image" in d.find_element(By.ID, "photo-status").text, what="the 415 message")
    assert browser.find_element(By.ID, "photo-status").get_attribute("data-kind") == "error"
    assert [p for p in _problems(browser) if "status of 415" not in p] == []  # and the log is read out


def test_take_a_picture_with_the_camera(browser, server):
    from selenium.webdriver.common.by import By

    _open(browser, server)
    browser.find_element(By.ID, "snap-open").click()
    _wait(browser, lambda d: d.execute_script("return document.getElementById('snap-video').videoWidth") > 0,
          what="the camera preview")
    browser.find_element(By.ID, "snap-take").click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#faces .face-card"), what="a face card")
    assert browser.find_element(By.ID, "snap-box").is_displayed() is False  # the camera is closed again
    assert len(browser.find_elements(By.CSS_SELECTOR, "#boxes .box")) == 1


def test_drop_a_picture(browser, server):
    """A file dropped on the zone (a synthetic drop event carrying a real PNG the server serves)."""
    from selenium.webdriver.common.by import By

    _open(browser, server)
    browser.execute_script(
        "fetch('/styles/waves.png').then(r => r.blob()).then(blob => {"
        "  const data = new DataTransfer(); data.items.add(new File([blob], 'waves.png', {type: 'image/png'}));"
        "  document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true}));"
        "});")
    _wait(browser, lambda d: "no face found" in d.find_element(By.ID, "photo-status").text, what="the no-face message")
    assert browser.find_elements(By.CSS_SELECTOR, "#faces .face-card") == []


def test_live_mode_streams_the_camera_and_draws_faces(browser, server):
    from selenium.webdriver.common.by import By

    _open(browser, server)
    browser.find_element(By.ID, "tab-live").click()
    browser.find_element(By.ID, "live-start").click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#live-faces .face-card"), what="a live face card")
    time.sleep(4)  # the readout averages the last 2 s
    # one script, so the answer is one consistent moment of a page redrawn many times a second
    seen = browser.execute_script(
        "const c = document.getElementById('live-overlay');"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0;"
        "const card = document.querySelector('#live-faces .face-card');"
        "return {painted: n, fps: document.getElementById('live-fps').textContent,"
        "        bars: card ? card.querySelectorAll('li.bar').length : 0,"
        "        emoji: card ? card.querySelector('img.emoji').naturalWidth : 0};")
    fps, painted = float(seen["fps"].split(" fps")[0]), seen["painted"]
    assert seen["bars"] == 7 and seen["emoji"] > 0
    browser.find_element(By.ID, "live-stop").click()
    print(f"live mode in Chromium: {fps:.1f} fps")
    assert painted > 500  # the box and its label are drawn over the video
    assert fps > 0, "the readout shows frames coming back"  # how many is the benchmark's business
    problems = _problems(browser)
    assert problems == [], problems


_HOLD_FRAME_READS = """
const read = Blob.prototype.arrayBuffer;
window.__hold = false; window.__held = 0; window.__released = 0;
Blob.prototype.arrayBuffer = function () {
  const bytes = read.call(this);
  if (!window.__hold) return bytes;
  window.__held += 1;
  return new Promise((resolve) => {
    const go = () => (window.__hold ? setTimeout(go, 10) : bytes.then((b) => { window.__released += 1; resolve(b); }));
    go();
  });
};
"""


def test_stop_while_a_frame_is_being_read_sends_nothing_on_the_closed_socket(browser, server):
    """Stop pressed while a camera frame is still being read into bytes (held here until Stop has
    closed the socket): the frame is dropped, not sent on the closing socket (a console error)."""
    from selenium.webdriver.common.by import By

    _open(browser, server)
    _problems(browser)  # the log starts empty for this test
    browser.execute_script(_HOLD_FRAME_READS)
    browser.find_element(By.ID, "tab-live").click()
    browser.find_element(By.ID, "live-start").click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#live-faces .face-card"), what="a live face card")
    browser.execute_script("window.__hold = true;")
    _wait(browser, lambda d: d.execute_script("return window.__held") > 0, what="a frame being read")
    browser.find_element(By.ID, "live-stop").click()
    browser.execute_script("window.__hold = false;")
    # the held read's continuation runs in the same task that releases it, before the next script
    _wait(browser, lambda d: d.execute_script("return window.__released === window.__held"), what="the held frames")
    assert browser.find_element(By.ID, "live-start").is_enabled()
    problems = _problems(browser)
    assert problems == [], problems


HAS_FAST = importlib.util.find_spec("emocam.style.fast") is not None


@pytest.mark.skipif(not HAS_FAST, reason="this tree has no fast avatar engine (emocam.style.fast)")
def test_paint_an_avatar_with_progress_and_download_it(browser, server, tmp_path):
    from selenium.webdriver.common.by import By

    _open(browser, server)
    browser.find_element(By.ID, "tab-avatar").click()
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#styles .style")) == 7, what="the styles")
    assert browser.find_element(By.ID, "avatar-engine").text == ""  # nothing missing
    browser.find_elements(By.CSS_SELECTOR, "#styles .style")[1].click()  # ember
    browser.find_element(By.ID, "avatar-file").send_keys(str(PORTRAIT))
    browser.find_element(By.ID, "paint").click()
    _wait(browser, lambda d: d.find_element(By.ID, "avatar-img").is_displayed(), what="the avatar")
    img = browser.find_element(By.ID, "avatar-img")
    assert browser.execute_script("return arguments[0].naturalWidth", img) == 384
    link = browser.find_element(By.ID, "avatar-download")
    assert link.is_displayed() and link.get_attribute("download") == "emocam-avatar-ember.png"
    # the link saves the very PNG shown (a blob: URL made from the server's answer, no second request)
    assert link.get_attribute("href").startswith("blob:") and link.get_attribute("href") == img.get_attribute("src")
    assert browser.find_element(By.ID, "avatar-status").text.startswith("Done in")
    assert browser.find_element(By.ID, "avatar-progress").get_attribute("value") == "1"
    problems = _problems(browser)
    assert problems == [], problems
    browser.save_screenshot(str(tmp_path / "avatar.png"))
    if os.environ.get("EMOCAM_WEB_AVATAR_SCREENSHOT"):
        shutil.copy(tmp_path / "avatar.png", os.environ["EMOCAM_WEB_AVATAR_SCREENSHOT"])


@pytest.mark.skipif(HAS_FAST, reason="the fast engine paints here; nothing is missing")
def test_avatar_tab_says_what_is_missing(browser, server):
    from selenium.webdriver.common.by import By

    _open(browser, server)
    browser.find_element(By.ID, "tab-avatar").click()
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#styles .style")) == 7, what="the styles")
    _wait(browser, lambda d: "VGG19" in d.find_element(By.ID, "avatar-engine").text, what="the missing-weights notice")
    assert "--download" in browser.find_element(By.ID, "avatar-engine").text
    assert not browser.find_element(By.ID, "paint").is_enabled()


def test_the_api_docs_render_offline_under_their_policy(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server + "/docs")
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= 7, what="the API operations")
    assert "/api/predict" in browser.find_element(By.ID, "swagger-ui").text
    problems = _problems(browser)
    assert problems == [], problems
