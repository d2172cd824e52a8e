"""Button data as Telegram hands it back: forged, malformed, out of range, stale, or written by an
older version of the bot. Each is answered politely ("no longer available"), never with an error;
data from buttons still sitting in chats keeps working."""

from __future__ import annotations

import pytest
from helpers import say

from bot.callbacks import NOT_AVAILABLE, MoveReport, OpenReport, ReportsPage, decode, encode
from bot.config import Settings
from bot.core.library import tip_ref
from bot.core.reports import Draft, Status
from bot.core.store import Store
from bot.loopback import LoopbackBotAPI

ADMIN = 1
NOT_AVAILABLE_TEXT = "这个按钮已失效，内容可能已不存在。"
FORGED = [
    "rv:o:99999999999999999999999",
    "rv2:o:99999999999999999999999",
    "rv2:o:0",
    "rv:f:-1",
    "rv2:f:1x",
    "rv:s:1:7",
    "rv2:s:1:zz",
    "rv2:s:99999999999999999999:cl",
    "rv:p:x:-:",
    "rv2:p:99999999:-:",
    "rv2:p:0:cc:NOT A BRAND",
    "rv2:x:1",
    "tip:zzz",
    "tip2:",
    "tip9:0123456789ab",
    "brand:NOT A BRAND",
    "brand2:-",
    "brands:-1",
    "brands2:99999999999",
    "fb:sideways:0123456789ab",
    "fb2:up:nothex",
    "alt:",
    "alt2:0123456789ab",
    "noop:extra",
    "report:zzz",
    "report2:",
    "rp:platform:moon",
    "rp2:consent:maybe",
    "rp2:brand:BAD!",
    "rp2:photos:done:again",
    "ua:a:moutai:x1",
    "ua2:t:u99999999999999999999999:0123456789ab",
    "ua2:d:moutai:u0",
    "ua2:q:moutai:u1",
    "unknown:1",
    "rv",
    ":::",
]
STALE = ["rv2:o:424242", "rv2:f:424242", "rv2:s:424242:ur", "tip2:0123456789ab", "brand2:no-such-brand", "fb2:up:0123456789ab"]


@pytest.mark.parametrize("data", FORGED)
def test_forged_data_decodes_to_not_available(data: str) -> None:
    assert decode(data) is NOT_AVAILABLE


def test_every_action_survives_encoding_within_telegrams_64_bytes() -> None:
    longest_brand = "b" * 40
    for action in (
        OpenReport(2**63 - 1),
        MoveReport(2**63 - 1, Status.CONFIRMED_COUNTERFEIT),
        ReportsPage(10_000, Status.NEED_MORE_INFO, longest_brand),
    ):
        data = encode(action)
        assert len(data.encode()) <= 64 and decode(data) == action


async def test_forged_and_stale_buttons_get_a_polite_not_available(loopback: LoopbackBotAPI, authbot) -> None:
    admin = loopback.user(ADMIN, "Admin")  # an admin: no refusal stands in for the answer
    async with authbot():
        message = await say(admin, "/start")
        for data in FORGED + STALE:
            answer = await admin.press_forged(message, data)
            assert (answer.text, answer.show_alert) == (NOT_AVAILABLE_TEXT, True), data
        await admin.no_reply(within=0.3)
        assert "贵州茅台" in (await say(admin, "茅台瓶盖怎么看")).plain_text  # and the bot carries on


async def test_buttons_from_before_versioned_data_still_work(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:
    store = await Store.open(settings.database)
    draft = Draft(
        brand="moutai", product="飞天", platform="offline", shop="某店", problem="胶帽", official_check="failed", consent=True
    )
    await store.reports.submit(4001, 4001, draft)
    await store.close()
    admin = loopback.user(ADMIN, "Admin")
    async with authbot():
        message = await say(admin, "/start")
        await admin.press_forged(message, f"tip:{tip_ref('moutai', 'capsule-cap')}")
        assert "贵州茅台" in (await admin.next_reply()).plain_text
        await admin.press_forged(message, "rv:o:1")  # an enforcement card button of version 1
        card = await admin.next_reply()
    assert "FW-" in card.plain_text and [label for row in card.buttons for label, _ in row] == ["→ 审核中", "→ 已结案"]
    assert card.buttons[0][0][1] == "rv2:s:1:ur" and decode(card.buttons[0][0][1]) == decode("rv:s:1:1") == MoveReport(
        1, Status.UNDER_REVIEW
    )
