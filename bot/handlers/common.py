"""What every front-door handler shares: the services, the actor, the shopper's language,
refusing politely, and sending replies."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.ext import BaseHandler, ContextTypes, ConversationHandler

from .. import presenter
from ..callbacks import Action, NotAvailable, decode, encode
from ..core.services import Actor, Forbidden, NotFound, Services
from ..presenter import Reply, split_html
from ..texts import Lang

Context = ContextTypes.DEFAULT_TYPE
Handler = BaseHandler[Update, Context, object]
T = TypeVar("T")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def services(context: Context) -> Services:
    """The core's use cases; kept in ``application.bot_data``."""
    services: Services = context.application.bot_data["services"]
    return services


async def actor(update: Update, context: Context) -> Actor:
    """The user's roles as they are right now (looked up for every privileged action)."""
    user = update.effective_user
    return await services(context).actor(user.id) if user is not None else Actor(0)


def pressed(update: Update) -> Action | NotAvailable:
    """What the pressed button asks for (NOT_AVAILABLE for anything forged, stale or malformed)."""
    return decode(update.callback_query.data if update.callback_query is not None else None)


def as_lang(code: object) -> Lang:
    """A stored language code as the bot's language (Chinese unless it says English)."""
    return "en" if code == "en" else "zh"


def user_lang(update: Update, context: Context) -> Lang:
    """The language of the shopper's last question, else their Telegram language."""
    remembered = context.user_data.get("lang") if context.user_data is not None else None
    if remembered in ("zh", "en"):
        return as_lang(remembered)
    user: User | None = update.effective_user
    code = (user.language_code or "") if user else ""
    return "en" if code and not code.startswith("zh") else "zh"


def polite(
    handler: Callable[[Update, Context], Coroutine[Any, Any, T]],
) -> Callable[[Update, Context], Coroutine[Any, Any, T | int]]:
    """Answer Forbidden and NotFound from a use case politely, and end any conversation."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> T | int:
        try:
            return await handler(update, context)
        except Forbidden:
            await tell(update, presenter.refusal(user_lang(update, context)))
        except NotFound as problem:
            lang = user_lang(update, context)
            await tell(
                update, presenter.button_gone(problem, lang) if update.callback_query else presenter.not_found(problem, lang)
            )
        return ConversationHandler.END

    return guarded


async def tell(update: Update, reply: Reply) -> None:
    """One short text: an alert on a pressed button, else a message in the chat."""
    if update.callback_query is not None:
        await update.callback_query.answer(reply.plain(), show_alert=True)
    elif update.effective_message is not None:
        await send(update.effective_message, reply)


def command_args(context: Context) -> list[str]:
    return list(context.args or [])


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=encode(b.action)) for b in row] for row in reply.buttons]
    )


async def send(message: Message, reply: Reply, *, quote: bool = False) -> Message:
    """Send ``reply`` in the message's chat, split under Telegram's limit; buttons go on the last part."""
    parts = split_html(reply.html)
    sent = message
    for number, part in enumerate(parts, start=1):
        markup = keyboard(reply) if number == len(parts) else None
        sent = await message.reply_text(
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            do_quote=quote and number == 1,
            link_preview_options=_NO_PREVIEW,
        )
    return sent


async def edit(update: Update, reply: Reply) -> None:
    """Replace the pressed button's message with ``reply``."""
    assert update.callback_query is not None
    await update.callback_query.edit_message_text(reply.html, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply))


def is_group(message: Message) -> bool:
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
