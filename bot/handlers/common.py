"""What every front-door handler shares: the services, the shopper's language, sending replies."""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update, User
from telegram.constants import ChatType, ParseMode
from telegram.ext import ContextTypes

from ..config import Settings
from ..core.library import GuideLibrary
from ..core.roles import Permissions
from ..core.store import Store
from ..presenter import Reply, split_html
from ..texts import Lang, say

Context = ContextTypes.DEFAULT_TYPE
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class Services:
    """The core objects the handlers call; kept in ``application.bot_data``."""

    settings: Settings
    library: GuideLibrary
    store: Store


def services(context: Context) -> Services:
    return context.application.bot_data["services"]


def user_lang(update: Update, context: Context) -> Lang:
    """The language of the shopper's last question, else their Telegram language."""
    remembered = context.user_data.get("lang") if context.user_data is not None else None
    if remembered in ("zh", "en"):
        return remembered  # type: ignore[return-value]
    user: User | None = update.effective_user
    code = (user.language_code or "") if user else ""
    return "en" if code and not code.startswith("zh") else "zh"


async def permissions(update: Update, context: Context) -> Permissions:
    """The user's roles as they are right now (looked up for every privileged action)."""
    user = update.effective_user
    if user is None:
        return Permissions(0, ())
    svc = services(context)
    return Permissions(user.id, tuple(await svc.store.roles.grants(user.id)), user.id in svc.settings.admin_ids)


async def refuse(update: Update, context: Context) -> None:
    """A plain refusal: no hint of what exists or why."""
    lang = user_lang(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer(html.unescape(say("refused", lang)), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(say("refused", lang), parse_mode=ParseMode.HTML)


def command_args(context: Context) -> list[str]:
    return list(context.args or [])


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.action) for b in row] for row in reply.buttons])


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


def is_group(message: Message) -> bool:
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
