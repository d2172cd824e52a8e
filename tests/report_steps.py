"""A shopper's steps through /report, shared by the report, leader and failover tests."""

from __future__ import annotations

from bot.loopback import SentMessage, SimUser

JPEG_A = b"\xff\xd8\xff\xe0" + b"photo A" * 100
JPEG_B = b"\xff\xd8\xff\xe0" + b"photo B" * 100


async def answer(user: SimUser, text: str) -> SentMessage:
    await user.send(text)
    return await user.next_reply()


async def choose(user: SimUser, message: SentMessage, label: str) -> SentMessage:
    await user.press(message, label)
    return await user.next_reply()


async def fill_after_brand(user: SimUser, first_question: SentMessage, order: str = "DY20261120001") -> SentMessage:
    """From the product question to the summary, giving every answer; returns the summary."""
    assert "商品名称" in first_question.plain_text
    platform_question = await answer(user, "53度飞天茅台 500ml")
    shop_question = await choose(user, platform_question, "抖音直播间")
    assert "名称" in shop_question.plain_text
    assert "链接" in (await answer(user, "酒水特卖直播间")).plain_text
    assert "订单号" in (await answer(user, "复制打开抖音 https://v.douyin.com/abc123/ 看看这个直播间")).plain_text
    assert "实付金额" in (await answer(user, order)).plain_text
    assert "购买日期" in (await answer(user, "¥1,299.00")).plain_text
    assert "哪里看起来不对" in (await answer(user, "2026-11-20")).plain_text
    check_question = await answer(user, "胶帽有褶皱，喷码模糊")
    photos_question = await choose(user, check_question, "验证没通过")
    assert "照片" in photos_question.plain_text
    await user.send_photo(JPEG_A)
    assert "第 1 张" in (await user.next_reply()).plain_text
    await user.send_photo(JPEG_B)
    assert "第 2 张" in (await user.next_reply()).plain_text
    consent_question = await answer(user, "/done")
    return await choose(user, consent_question, "同意")
