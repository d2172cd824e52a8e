"""Shoppers: ask a question, browse brands, open a tip, say whether it helped.

Each handler parses the update, calls the core, and sends what :mod:`bot.presenter` built.
"""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from .. import presenter
from ..core.library import Catalog
from ..presenter import Button, Reply
from ..texts import Lang, language_of, say
from .common import Context, is_group, keyboard, send, services, user_lang

MAX_QUESTION_CHARS = 500
BRANDS_PER_PAGE = 30


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler(["start", "help"], start),
        CommandHandler("brands", brands),
        CallbackQueryHandler(on_brands_page, pattern=r"^brands:\d+$"),
        CallbackQueryHandler(on_brand, pattern=r"^brand:"),
        CallbackQueryHandler(on_tip, pattern=r"^tip:"),
        CallbackQueryHandler(on_feedback, pattern=r"^fb:(up|down):"),
        CallbackQueryHandler(on_alternatives, pattern=r"^alt:"),
        CallbackQueryHandler(on_noop, pattern=r"^noop$"),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT & ~filters.COMMAND, question),
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, question),
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL, not_text),
    ]


async def start(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    lang = user_lang(update, context)
    name = update.effective_user.first_name if update.effective_user else ""
    count = len(services(context).library.catalog.brands)
    await send(message, Reply(say("welcome", lang, name=name, brands=count)))


async def question(update: Update, context: Context) -> None:
    """Any text: the matched tip, a question back when it is ambiguous, or an honest no-answer."""
    message = update.effective_message
    if message is None or not message.text:
        return
    text = _addressed_text(message, context)
    if text is None:
        return
    lang = language_of(text)
    if context.user_data is not None:
        context.user_data["lang"] = lang
    if len(text) > MAX_QUESTION_CHARS:
        await send(message, Reply(say("too_long", lang, limit=MAX_QUESTION_CHARS)))
        return
    svc = services(context)
    catalog = svc.library.catalog
    match = catalog.ask(text)
    if match.answer is None or match.brand_only:  # no tip found: brand staff should see this
        closest = match.answer or (match.candidates[0] if match.candidates else None)
        await svc.store.answers.record_unanswered(text, closest.score if closest else 0.0, closest.brand if closest else None)
    sent = await send(message, presenter.answer(catalog, match, lang), quote=is_group(message))
    if match.answer is not None and not match.brand_only:
        await svc.store.answers.record_answer(sent.chat.id, sent.message_id, text, match.answer.brand, match.answer.tip)


def _addressed_text(message: Message, context: Context) -> str | None:
    """The question, or None when a group message is not for us (no mention, not a reply to us)."""
    text = message.text or ""
    if not is_group(message):
        return text.strip()
    username = context.bot.username
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        return text.strip()
    mention = f"@{username}"
    if username and mention.lower() in text.lower():
        return re.sub(re.escape(mention), " ", text, flags=re.IGNORECASE).strip()
    return None


async def not_text(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or (is_group(message) and _addressed_text(message, context) is None and not _mentions_us(message, context)):
        return
    await send(message, Reply(say("text_only", user_lang(update, context))))


def _mentions_us(message: Message, context: Context) -> bool:
    caption = (message.caption or "").lower()
    return bool(context.bot.username) and f"@{context.bot.username.lower()}" in caption


# --- browsing --------------------------------------------------------------------------------


async def brands(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    lang = user_lang(update, context)
    reply = _brands_page(services(context).library.catalog, 0, lang)
    await message.reply_text(reply.html, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply))


def _brands_page(catalog: Catalog, page: int, lang: Lang) -> Reply:
    """Brands grouped by category, paged so that a thousand partners still fit in buttons."""
    ordered = [(category, brand) for category, members in catalog.categories().items() for brand in members]
    pages = max(1, -(-len(ordered) // BRANDS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = ordered[page * BRANDS_PER_PAGE : (page + 1) * BRANDS_PER_PAGE]
    lines = [say("brands_intro", lang)]
    rows: list[tuple[Button, ...]] = []
    for category in dict.fromkeys(c for c, _ in shown):
        members = [b for c, b in shown if c == category]
        lines.append(f"<b>{html.escape(category)}</b>：" + "、".join(html.escape(b.name) for b in members))
        for i in range(0, len(members), 3):
            rows.append(tuple(Button(b.name, f"brand:{b.id}") for b in members[i : i + 3]))
    if pages > 1:
        lines.append(say("brands_page", lang, page=page + 1, pages=pages))
        nav = []
        if page > 0:
            nav.append(Button(say("previous", lang), f"brands:{page - 1}"))
        if page < pages - 1:
            nav.append(Button(say("more", lang), f"brands:{page + 1}"))
        rows.append(tuple(nav))
    return Reply("\n".join(lines), tuple(rows))


async def on_brands_page(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    reply = _brands_page(services(context).library.catalog, int(query.data.split(":")[1]), user_lang(update, context))
    await query.edit_message_text(reply.html, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply))


async def on_brand(update: Update, context: Context) -> None:
    """A brand tapped: its tips as buttons, in place of the brand list (with a way back)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = user_lang(update, context)
    brand = services(context).library.catalog.brand(query.data.split(":", 1)[1])
    if brand is None:
        await query.answer(say("expired_button", lang), show_alert=True)
        return
    await query.answer()
    reply = presenter.brand_overview(brand, lang)
    rows = (*reply.buttons, (Button(say("back", lang), "brands:0"),))
    await query.edit_message_text(reply.html, parse_mode=ParseMode.HTML, reply_markup=keyboard(Reply(reply.html, rows)))


async def on_tip(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    lang = user_lang(update, context)
    found = services(context).library.catalog.by_ref(query.data.split(":", 1)[1])
    if found is None:
        await query.answer(say("expired_button", lang), show_alert=True)
        return
    await query.answer()
    await send(query.message, presenter.tip_reply(*found, lang))  # type: ignore[arg-type]


async def on_alternatives(update: Update, context: Context) -> None:
    """"其他问题" on answers sent before the alternatives moved right under the answer (still in chats)."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    lang = user_lang(update, context)
    catalog = services(context).library.catalog
    refs = [ref for ref in query.data.split(":", 1)[1].split(",") if catalog.by_ref(ref)]
    if not refs:
        await query.answer(say("expired_button", lang), show_alert=True)
        return
    await query.answer()
    rows = []
    for ref in refs:
        brand, tip = catalog.by_ref(ref)  # type: ignore[misc]
        rows.append((Button(f"{brand.name} · {tip.title}", f"tip:{ref}"),))
    await send(query.message, Reply(say("other_questions", lang), tuple(rows)))  # type: ignore[arg-type]


async def on_feedback(update: Update, context: Context) -> None:
    """👍/👎: stored, thanked, and the buttons replaced by what was recorded (one vote a message)."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.from_user is not None
    lang = user_lang(update, context)
    _, vote, ref = query.data.split(":", 2)
    found = services(context).library.catalog.by_ref(ref)
    if found is None:
        await query.answer(say("expired_button", lang), show_alert=True)
        return
    brand, tip = found
    answers = services(context).store.answers
    asked = await answers.answered_question(query.message.chat.id, query.message.message_id) if query.message else None
    await answers.record_feedback(query.from_user.id, brand.id, tip.id, 1 if vote == "up" else -1, asked)
    await query.answer(say("feedback_thanks", lang))
    await query.edit_message_reply_markup(_without_votes(query.message, say(f"feedback_recorded_{vote}", lang)))


def _without_votes(message: object, recorded: str) -> InlineKeyboardMarkup | None:
    markup = getattr(message, "reply_markup", None)
    if markup is None:
        return None
    rows = []
    for row in markup.inline_keyboard:
        if any((b.callback_data or "").startswith("fb:") for b in row):
            rows.append([InlineKeyboardButton(recorded, callback_data="noop")])
        else:
            rows.append(list(row))
    return InlineKeyboardMarkup(rows)


async def on_noop(update: Update, context: Context) -> None:
    """A button that only shows a state (\"✅ recorded\"): stop the client's spinner."""
    if update.callback_query is not None:
        await update.callback_query.answer()
