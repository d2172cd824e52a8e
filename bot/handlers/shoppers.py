"""Shoppers: ask a question, browse brands, open a tip, say whether it helped.

Each handler parses the update, calls the core, and sends what :mod:`bot.presenter` built.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from .. import presenter
from ..callbacks import (
    BrandsPage,
    Noop,
    OpenBrand,
    OpenTip,
    ShowAlternatives,
    Vote,
    decode,
    encode,
    matches,
)
from ..presenter import Reply
from ..texts import language_of, say
from .common import Context, Handler, edit, is_group, pressed, send, services, user_lang

MAX_QUESTION_CHARS = 500


def handlers() -> list[Handler]:
    return [
        CommandHandler(["start", "help"], start),
        CommandHandler("brands", brands),
        CallbackQueryHandler(on_brands_page, pattern=matches(BrandsPage)),
        CallbackQueryHandler(on_brand, pattern=matches(OpenBrand)),
        CallbackQueryHandler(on_tip, pattern=matches(OpenTip)),
        CallbackQueryHandler(on_feedback, pattern=matches(Vote)),
        CallbackQueryHandler(on_alternatives, pattern=matches(ShowAlternatives)),
        CallbackQueryHandler(on_noop, pattern=matches(Noop)),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT & ~filters.COMMAND, question),
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, question),
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL, not_text),
    ]


def last_handlers() -> list[Handler]:
    """After every other handler: a button nothing else took is forged, stale or retired."""
    return [CallbackQueryHandler(on_unavailable)]


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
        svc.store.answer_log.unanswered(text, closest.score if closest else 0.0, closest.brand if closest else None)
    sent = await send(message, presenter.answer(catalog, match, lang), quote=is_group(message))
    if match.answer is not None and not match.brand_only:
        svc.store.answer_log.answer(sent.chat.id, sent.message_id, text, match.answer.brand, match.answer.tip)


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
    if message is None or (
        is_group(message) and _addressed_text(message, context) is None and not _mentions_us(message, context)
    ):
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
    await send(message, presenter.brands_page(services(context).library.catalog, 0, user_lang(update, context)))


async def on_brands_page(update: Update, context: Context) -> None:
    action = pressed(update)
    assert isinstance(action, BrandsPage) and update.callback_query is not None
    await update.callback_query.answer()
    await edit(update, presenter.brands_page(services(context).library.catalog, action.page, user_lang(update, context)))


async def on_brand(update: Update, context: Context) -> None:
    """A brand tapped: its tips as buttons, in place of the brand list (with a way back)."""
    action = pressed(update)
    assert isinstance(action, OpenBrand) and update.callback_query is not None
    brand = services(context).library.catalog.brand(action.brand_id)
    if brand is None:
        await on_unavailable(update, context)
        return
    await update.callback_query.answer()
    await edit(update, presenter.brand_tips(brand, user_lang(update, context)))


async def on_tip(update: Update, context: Context) -> None:
    action, query = pressed(update), update.callback_query
    assert isinstance(action, OpenTip) and query is not None and isinstance(query.message, Message)
    found = services(context).library.catalog.by_ref(action.ref)
    if found is None:
        await on_unavailable(update, context)
        return
    await query.answer()
    await send(query.message, presenter.tip_reply(*found, user_lang(update, context)))


async def on_alternatives(update: Update, context: Context) -> None:
    """ "其他问题" on answers sent before the alternatives moved right under the answer (still in chats)."""
    action, query = pressed(update), update.callback_query
    assert isinstance(action, ShowAlternatives) and query is not None and isinstance(query.message, Message)
    reply = presenter.alternatives(services(context).library.catalog, action.refs, user_lang(update, context))
    if reply is None:
        await on_unavailable(update, context)
        return
    await query.answer()
    await send(query.message, reply)


async def on_feedback(update: Update, context: Context) -> None:
    """👍/👎: stored, thanked, and the buttons replaced by what was recorded (one vote a message)."""
    action, query = pressed(update), update.callback_query
    assert isinstance(action, Vote) and query is not None and query.from_user is not None
    lang = user_lang(update, context)
    found = services(context).library.catalog.by_ref(action.ref)
    if found is None:
        await on_unavailable(update, context)
        return
    brand, tip = found
    answers = services(context).store.answer_log  # committed within a second, off the reply path
    asked = await answers.answered_question(query.message.chat.id, query.message.message_id) if query.message else None
    answers.feedback(query.from_user.id, brand.id, tip.id, 1 if action.helpful else -1, asked)
    await query.answer(say("feedback_thanks", lang))
    await query.edit_message_reply_markup(
        _without_votes(query.message, say("feedback_recorded_up" if action.helpful else "feedback_recorded_down", lang))
    )


def _without_votes(message: object, recorded: str) -> InlineKeyboardMarkup | None:
    markup = getattr(message, "reply_markup", None)
    if markup is None:
        return None
    rows = []
    for row in markup.inline_keyboard:
        if any(isinstance(decode(b.callback_data), Vote) for b in row):
            rows.append([InlineKeyboardButton(recorded, callback_data=encode(Noop()))])
        else:
            rows.append(list(row))
    return InlineKeyboardMarkup(rows)


async def on_noop(update: Update, context: Context) -> None:
    """A button that only shows a state (\"✅ recorded\"): stop the client's spinner."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def on_unavailable(update: Update, context: Context) -> None:
    """A button that asks for nothing (any more): say so, kindly, and change nothing."""
    if update.callback_query is not None:
        await update.callback_query.answer(presenter.button_gone(None, user_lang(update, context)).plain(), show_alert=True)
