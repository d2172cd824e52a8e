"""Every word the bot says to people, in one place: Chinese first, English second.

Strings are HTML-ready templates for Telegram's HTML parse mode: the templates themselves hold
only safe markup, and every value substituted into them is escaped by :func:`say`.
"""

from __future__ import annotations

import html
from typing import Literal

Lang = Literal["zh", "en"]

TEXTS: dict[str, tuple[str, str]] = {
    # --- shoppers: answers -----------------------------------------------------------------
    "official_url": ("🔎 官方验证：{url}", "🔎 Verify officially: {url}"),
    "official_hotline": ("☎️ 官方客服：{hotline}", "☎️ Official hotline: {hotline}"),
    "clone_warning": (
        "⚠️ 防伪码、芯片和包装都可能被仿制，最终以品牌官方渠道的查询结果为准。",
        "⚠️ Codes, chips and packaging can be cloned: the brand's official channel has the last word.",
    ),
    "zh_only": ("", "(This tip is only available in Chinese.)"),
    "brand_overview": (
        "<b>{brand}</b> 可以从这几个方面辨别真假，点一个看详细做法：",
        "<b>{brand}</b>: here is what to check. Tap one for the details:",
    ),
    "which_one": ("你想问的是哪一个？", "Which one do you mean?"),
    "no_answer": (
        "抱歉，这个问题我还答不上来。",
        "Sorry, I don't have an answer for that yet.",
    ),
    "other_brand": (
        "「{brand}」还不是我们的合作品牌，我没有它的官方防伪说明。",
        "“{brand}” is not a partner brand yet, so I have no official tips for it.",
    ),
    "covered_brands": ("我目前能解答这些品牌：{brands}", "Brands I can help with: {brands}"),
    "name_the_brand": (
        "提问时带上品牌和要看的地方会更准，例如：「茅台瓶盖怎么看真假」。",
        "Name the brand and what you are checking, e.g. “How do I check the Moutai cap seal?”",
    ),
    "verify_fallback": (
        "想确认真伪，请以品牌官网、官方App或官方客服的查询为准；遇到假货可拨打 12315 投诉。",
        "To be sure, check with the brand's official website, app or customer service; report fakes to 12315.",
    ),
    "did_you_mean": ("你是不是想问：", "Did you mean:"),
    # --- command line ----------------------------------------------------------------------
    "cli_candidates": ("其他可能：", "Other possibilities:"),
}


def say(key: str, lang: Lang = "zh", **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``values`` HTML-escaped into it."""
    zh, en = TEXTS[key]
    template = en if lang == "en" else zh
    return template.format(**{k: html.escape(str(v), quote=False) for k, v in values.items()})


def language_of(text: str) -> Lang:
    """English when the message has Latin words and no Chinese; Chinese otherwise."""
    han = sum(1 for c in text if "\u3400" <= c <= "\u9fff")
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return "en" if han == 0 and latin >= 3 else "zh"
