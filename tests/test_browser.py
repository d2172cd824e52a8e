"""The console in a real browser: headless Chromium from the Debian packages, driven by Selenium
through chromium-driver. An enforcement user gets the sign-in link from the loopback chat,
filters the queue, opens a report, sees its photo, moves it to confirmed with a note, and the
shopper receives the note in the loopback chat.

Set AUTHBOT_SCREENSHOTS=1 to (re)write the README's screenshots in docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import rows, say

from bot.config import Settings
from bot.core.evidence import store_evidence
from bot.core.reports import Draft, Photo
from bot.core.roles import Grant, Role
from bot.core.store import Store
from bot.loopback import LoopbackBotAPI
from bot.web.app import create_app
from bot.web.serve import serving

pytestmark = pytest.mark.browser

CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ENFORCER, SHOPPER = 3001, 4001
NOTE = "鉴定为假冒，已转平台下架"

webdriver = pytest.importorskip("selenium.webdriver")
if not CHROMEDRIVER.exists() or shutil.which("chromium") is None:
    pytest.skip(
        "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)", allow_module_level=True
    )

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour (the browser must be able to draw the evidence photo)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


FAILED_TIPS = {SHOPPER: "capsule-cap", 4002: "capsule-cap", 4003: "style-code"}  # for the dashboard's chart


async def seed(settings: Settings) -> None:
    store = await Store.open(settings.database)
    photo = png(320, 200, (180, 35, 24))
    sha = store_evidence(settings.data_dir, photo, "image/png")
    reports = [
        (
            SHOPPER,
            "moutai",
            "飞天 53度 500ml",
            "酒仙官方旗舰店",
            "douyin_live",
            [Photo(sha, "f1", "u1", len(photo), "image/png")],
        ),
        (4002, "moutai", "茅台王子酒", "好酒直播间", "douyin_shop", []),
        (4003, "nike", "Air Jordan 1", "潮鞋小店", "other_app", []),
        (4004, "chowtaifook", "足金手镯", "金饰小铺", "offline", []),
    ]
    for user, brand, product, shop, platform, photos in reports:
        draft = Draft(
            brand=brand,
            product=product,
            platform=platform,
            shop=shop,
            problem="瓶盖胶帽起皱，防伪码查不到",
            official_check="failed",
            consent=True,
            photos=photos,
            order_number=f"O{user}",
            failed_tip=FAILED_TIPS.get(user),
        )
        await store.reports.submit(user, user, draft)
    await store.roles.grant(Grant(ENFORCER, Role.ENFORCEMENT, None), 1)
    await store.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str, tmp_path: Path) -> None:
    target = SCREENSHOTS if os.environ.get("AUTHBOT_SCREENSHOTS") else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(1280, max(900, driver.execute_script("return document.body.scrollHeight")))
    driver.save_screenshot(str(target / f"{name}.png"))


async def in_browser(step: Callable[[], Any]) -> Any:
    """Selenium blocks: run each step in a thread so the bot and the console keep running."""
    return await asyncio.to_thread(step)


async def test_from_console_in_the_chat_to_a_confirmed_report_with_the_shopper_told(
    loopback: LoopbackBotAPI, authbot: Any, settings: Settings, browser: Any, tmp_path: Path
) -> None:
    await seed(settings)
    started = time.monotonic()
    async with serving(create_app(settings)) as address, authbot(console_url=address):
        enforcer, shopper = loopback.user(ENFORCER, "Enforcer"), loopback.user(SHOPPER, "Shopper")
        link = re.search(r"http://\S+/signin/\S+", (await say(enforcer, "/console")).plain_text)
        assert link is not None
        wait = WebDriverWait(browser, 10)

        def sign_in_and_filter() -> None:
            browser.get(link.group(0))
            browser.find_element(By.ID, "signin").click()
            wait.until(EC.presence_of_element_located((By.ID, "filters")))
            assert browser.find_element(By.ID, "total").text == "4"
            Select(browser.find_element(By.ID, "f-brand")).select_by_value("moutai")
            browser.find_element(By.ID, "f-q").send_keys("旗舰店")
            browser.find_element(By.ID, "f-apply").click()
            wait.until(EC.text_to_be_present_in_element((By.ID, "total"), "1"))
            assert "潮鞋小店" not in browser.page_source and "酒仙官方旗舰店" in browser.page_source

        await in_browser(sign_in_and_filter)
        await in_browser(lambda: browser.get(f"{address}/queue"))
        await in_browser(lambda: screenshot(browser, "queue", tmp_path))
        await in_browser(lambda: browser.back())

        def open_report_and_see_the_photo() -> None:
            browser.find_element(By.CSS_SELECTOR, "a.ref").click()
            wait.until(EC.presence_of_element_located((By.ID, "move")))
            image = browser.find_element(By.CSS_SELECTOR, "img.evidence")
            wait.until(
                lambda _: browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 320
            )

        def move(status: str, note: str) -> None:
            Select(browser.find_element(By.ID, "move-status")).select_by_value(status)
            browser.find_element(By.ID, "move-note").send_keys(note)
            browser.find_element(By.ID, "move-submit").click()
            wait.until(EC.presence_of_element_located((By.ID, "moved")))

        await in_browser(open_report_and_see_the_photo)
        await in_browser(lambda: move("under_review", "已收到，正在核查"))
        assert "审核中" in (await shopper.next_reply(timeout=10)).plain_text
        await in_browser(lambda: move("confirmed_counterfeit", NOTE))
        told = await shopper.next_reply(timeout=10)
        assert "确认为假货" in told.plain_text and NOTE in told.plain_text
        assert await in_browser(lambda: "确认为假货" in browser.find_element(By.ID, "status").text)
        await in_browser(lambda: screenshot(browser, "report", tmp_path))

        def see_the_dashboard() -> None:
            browser.get(f"{address}/dashboard")
            wait.until(EC.presence_of_element_located((By.ID, "funnel")))
            assert browser.find_element(By.ID, "d-total").text == "4"
            assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) == 3
            funnel = browser.find_element(By.CSS_SELECTOR, '#funnel [data-status="confirmed_counterfeit"]')
            assert funnel.text == "1" and browser.find_element(By.ID, "moved").text == "1"

        await in_browser(see_the_dashboard)
        await in_browser(lambda: screenshot(browser, "dashboard", tmp_path))
    elapsed = time.monotonic() - started
    assert rows(settings, "SELECT status FROM reports WHERE user_id = ?", SHOPPER) == [("confirmed_counterfeit",)]
    print(f"browser flow took {elapsed:.1f} s")
