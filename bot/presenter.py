"""Turn what the core found into what a shopper reads: text (Telegram HTML) and buttons.

Transport-free, so the Telegram handlers, ``authbot ask`` and ``authbot shell`` all show the
same answer. Buttons carry short *actions* (``tip:<ref>``, ``fb:up:<ref>``) that the Telegram
layer uses as callback data; every action is well under Telegram's 64-byte limit.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .core.guides import Brand, Tip
from .core.library import Catalog, tip_ref
from .core.matcher import Candidate, Match
from .texts import Lang, say

TELEGRAM_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str


@dataclass(frozen=True, slots=True)
class Reply:
    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()

    def plain(self) -> str:
        """The same text without markup, for the terminal."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.html))


def answer(catalog: Catalog, match: Match, lang: Lang) -> Reply:
    """The whole reply to one shopper question."""
    if match.answer is None:
        return no_answer(catalog, match, lang)
    found = catalog.tip(match.answer.brand, match.answer.tip)
    if found is None:  # the guide changed between matching and replying
        return no_answer(catalog, match, lang)
    brand, tip = found
    if match.brand_only:
        others = [catalog.brand(c.brand) for c in match.candidates]
        if any(b is not None and b.id != brand.id for b in others):
            return pick_brand(catalog, [match.answer, *match.candidates], lang)
        return brand_overview(brand, lang)
    return tip_reply(brand, tip, lang, alternatives=_tip_buttons(catalog, match.candidates))


def tip_reply(brand: Brand, tip: Tip, lang: Lang, alternatives: tuple[Button, ...] = ()) -> Reply:
    """A tip; close alternatives (the matcher's candidates) one tap away right under it."""
    ref = tip_ref(brand.id, tip.id)
    text = _tip_text(brand, tip, lang)
    if alternatives:
        text += "\n\n" + say("did_you_mean", lang)
    rows: list[tuple[Button, ...]] = [(b,) for b in alternatives]
    rows.append((Button("👍", f"fb:up:{ref}"), Button("👎", f"fb:down:{ref}")))
    related = [t for t in (brand.tip(r) for r in tip.related) if t is not None]
    rows.extend((Button(t.title, f"tip:{tip_ref(brand.id, t.id)}"),) for t in related)
    rows.append((Button("举报疑似假货 / Report a suspected fake", f"report:{ref}"),))
    return Reply(text, tuple(rows))


def _tip_buttons(catalog: Catalog, candidates: tuple[Candidate, ...]) -> tuple[Button, ...]:
    """One button per candidate tip still in the guides, labelled with brand and title."""
    buttons = []
    for c in candidates:
        found = catalog.tip(c.brand, c.tip)
        if found:
            buttons.append(Button(f"{found[0].name} · {found[1].title}", f"tip:{tip_ref(c.brand, c.tip)}"))
    return tuple(buttons)


def _tip_text(brand: Brand, tip: Tip, lang: Lang) -> str:
    body = tip.answer_en if lang == "en" and tip.answer_en else tip.answer
    parts = [f"<b>{_e(brand.name)} · {_e(tip.title)}</b>", _e(body)]
    if lang == "en" and not tip.answer_en:
        parts.append(say("zh_only", lang))
    parts.extend(_official_lines(brand, lang))
    parts.append(say("clone_warning", lang))
    return "\n\n".join(p for p in parts if p)


def _official_lines(brand: Brand, lang: Lang) -> list[str]:
    """Where to verify for certain: the brand's own channels, or the general advice."""
    official = brand.official
    lines = []
    if official.verify_url:
        lines.append(say("official_url", lang, url=official.verify_url))
    if official.hotline:
        lines.append(say("official_hotline", lang, hotline=official.hotline))
    if official.note:
        lines.append(_e(official.note))
    return ["\n".join(lines)] if lines else [say("verify_fallback", lang)]


def brand_overview(brand: Brand, lang: Lang) -> Reply:
    """A brand named with no particular check: list its tips as buttons."""
    text = "\n\n".join([say("brand_overview", lang, brand=brand.name), *_official_lines(brand, lang)])
    rows = tuple((Button(t.title, f"tip:{tip_ref(brand.id, t.id)}"),) for t in brand.tips)
    return Reply(text, rows)


def pick_brand(catalog: Catalog, candidates: list[Candidate], lang: Lang) -> Reply:
    rows = []
    for c in candidates:
        brand = catalog.brand(c.brand)
        if brand:
            rows.append((Button(brand.name, f"brand:{brand.id}"),))
    return Reply(say("which_one", lang), tuple(rows))


def no_answer(catalog: Catalog, match: Match, lang: Lang) -> Reply:
    parts = [say("no_answer", lang)]
    if match.other_brand:
        parts.append(say("other_brand", lang, brand=match.other_brand))
    names = "、".join(b.name for b in catalog.brands) if lang == "zh" else ", ".join(b.name for b in catalog.brands)
    parts += [say("covered_brands", lang, brands=names), say("name_the_brand", lang), say("verify_fallback", lang)]
    buttons = _tip_buttons(catalog, match.candidates)
    if buttons:
        parts.append(say("did_you_mean", lang))
    return Reply("\n\n".join(parts), tuple((b,) for b in buttons))


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split a reply into messages under Telegram's limit, at paragraph and then line breaks.

    Markup in our replies never spans a line, so cutting between lines keeps every tag closed.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single enormous line: cut it, outside any tag
            cut = _safe_cut(line, limit)
            chunks.extend([current] if current else [])
            chunks.append(line[:cut])
            current, line = "", line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def _safe_cut(line: str, limit: int) -> int:
    cut = limit
    while cut > 0 and (line.rfind("<", 0, cut) > line.rfind(">", 0, cut) or line.rfind("&", 0, cut) > line.rfind(";", 0, cut)):
        cut -= 1
    return cut or limit


def _e(text: str) -> str:
    return html.escape(text, quote=False)
