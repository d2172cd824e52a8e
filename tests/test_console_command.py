"""``/console`` in the bot: a person with a role gets a one-time sign-in link in a private chat."""

from __future__ import annotations

import re

from helpers import rows, say
from web_helpers import CONSOLE_URL, ENFORCER, SHOPPER, write_seed

from bot.config import Settings
from bot.loopback import LoopbackBotAPI


async def test_console_gives_a_link_to_a_person_with_a_role_only(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    await write_seed(settings)
    enforcer, shopper = loopback.user(ENFORCER, "Enforcer"), loopback.user(SHOPPER, "Shopper")
    async with authbot(console_url=CONSOLE_URL):
        reply = await say(enforcer, "/console")
        assert re.search(rf"{CONSOLE_URL}/signin/[A-Za-z0-9_-]{{40,}}", reply.plain_text) and "10 分钟" in reply.plain_text
        assert "没有权限" in (await say(shopper, "/console")).plain_text
        group = loopback.group(-100600, "Team")
        await enforcer.send("/console", chat=group)
        assert "私聊" in (await group.next_reply()).plain_text
    assert rows(settings, "SELECT user_id FROM console_links") == [(ENFORCER,)]


async def test_console_without_an_address_says_it_is_not_set_up(loopback: LoopbackBotAPI, authbot, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    await write_seed(settings)
    async with authbot():
        assert "没有配置" in (await say(loopback.user(ENFORCER, "Enforcer"), "/console")).plain_text
