"""A Telegram Bot API server on 127.0.0.1 with a simulated Telegram behind it.

The real python-telegram-bot Application talks HTTP to it, so tests and ``authbot
shell`` exercise the bot end to end without the network. See :mod:`.server` and
:mod:`.world`.
"""

from .server import DEFAULT_TOKEN, AnyApplication, BotApi, LoopbackBotAPI, Params, running
from .world import (
    ApiError,
    CallbackAnswer,
    NoReply,
    SentMessage,
    SimChat,
    SimUser,
    StoredFile,
    World,
    parse_html,
    typed_entities,
)

__all__ = [
    "DEFAULT_TOKEN",
    "AnyApplication",
    "ApiError",
    "BotApi",
    "CallbackAnswer",
    "LoopbackBotAPI",
    "NoReply",
    "Params",
    "SentMessage",
    "SimChat",
    "SimUser",
    "StoredFile",
    "World",
    "parse_html",
    "running",
    "typed_entities",
]
