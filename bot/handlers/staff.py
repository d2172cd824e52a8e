"""Brand staff: publish their brand's tip file through the bot, and teach it shoppers' wording.

A ``.yaml`` document from staff goes to the guide service, which validates it and either
publishes it (served at once, no restart) or refuses it with every error and nothing changed.
"""

from __future__ import annotations

from pathlib import Path

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from .. import presenter
from ..callbacks import AddPhrasing, ChooseTipFor, DismissPhrasing, matches
from ..core.guides import MAX_FILE_BYTES
from ..core.services import Forbidden, Privilege
from ..core.services.guides import Refused
from ..presenter import Reply
from ..texts import say
from .common import (
    Context,
    Handler,
    actor,
    command_args,
    edit,
    polite,
    pressed,
    send,
    services,
    user_lang,
)
from .shoppers import not_text


def handlers() -> list[Handler]:
    return [
        MessageHandler(filters.Document.ALL, on_document),
        CommandHandler("guide", send_guide),
        CommandHandler("history", history),
        CommandHandler("rollback", rollback),
        CommandHandler("unanswered", unanswered),
        CallbackQueryHandler(on_choose_tip, pattern=matches(ChooseTipFor)),
        CallbackQueryHandler(on_dismiss, pattern=matches(DismissPhrasing)),
        CallbackQueryHandler(on_add_phrasing, pattern=matches(AddPhrasing)),
    ]


# --- publishing --------------------------------------------------------------------------------


async def on_document(update: Update, context: Context) -> None:
    """A document: a tip file from staff; from anyone else, the polite shopper reply."""
    message = update.effective_message
    assert message is not None and message.document is not None
    who = await actor(update, context)
    if not who.may(Privilege.EDIT_GUIDE):
        await not_text(update, context)
        return
    lang = user_lang(update, context)
    document = message.document
    name = Path(document.file_name or "upload.yaml").name
    if not name.lower().endswith((".yaml", ".yml")):
        await send(message, Reply(say("upload_not_yaml", lang)))
        return
    if (document.file_size or 0) > MAX_FILE_BYTES:  # refused before a byte is downloaded
        await send(message, Reply(say("upload_too_big", lang, size=(document.file_size or 0) // 1024)))
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        reply = presenter.publication(await services(context).guides.publish(who, data, name), lang)
    except Forbidden as refused:  # said plainly: the sender is staff, and the brand is in their own file
        reply = presenter.upload_forbidden(refused, lang)
    await send(message, reply)


@polite
async def rollback(update: Update, context: Context) -> None:
    """/rollback BRAND VERSION: serve that version's content again (recorded as a new version)."""
    message, args, lang = update.effective_message, command_args(context), user_lang(update, context)
    assert message is not None
    who = await actor(update, context)
    if len(args) < 2 or not args[1].lstrip("v").isdigit():
        who.require(Privilege.EDIT_GUIDE, args[0].lower() if args else None)
        await send(message, Reply(say("rollback_usage", lang)))
        return
    brand_id, version = args[0].lower(), int(args[1].lstrip("v"))
    await send(message, presenter.publication(await services(context).guides.rollback(who, brand_id, version), lang))


@polite
async def send_guide(update: Update, context: Context) -> None:
    """/guide BRAND: the file in service, as a document."""
    message = update.effective_message
    assert message is not None
    brand_id = await _brand_argument(update, context, "guide_usage")
    if brand_id is not None:
        guide = services(context).guides.file_in_service(await actor(update, context), brand_id)
        await message.reply_document(guide.content, filename=guide.name)


@polite
async def history(update: Update, context: Context) -> None:
    """/history BRAND: the versions installed through the bot, newest first."""
    assert update.effective_message is not None
    brand_id = await _brand_argument(update, context, "history_usage")
    if brand_id is not None:
        found = await services(context).guides.history(await actor(update, context), brand_id)
        await send(update.effective_message, presenter.guide_history(found, user_lang(update, context)))


async def _brand_argument(update: Update, context: Context, usage: str) -> str | None:
    """The BRAND argument; without one, the usage (to staff only) and None."""
    args = command_args(context)
    if args:
        return args[0].lower()
    (await actor(update, context)).require(Privilege.EDIT_GUIDE)
    assert update.effective_message is not None
    await send(update.effective_message, Reply(say(usage, user_lang(update, context))))
    return None


# --- teaching the guide shoppers' wording ------------------------------------------------------


@polite
async def unanswered(update: Update, context: Context) -> None:
    """/unanswered BRAND: what shoppers asked without a good answer, grouped and ranked."""
    message = update.effective_message
    assert message is not None
    brand_id = await _brand_argument(update, context, "unanswered_usage")
    if brand_id is None:
        return
    brand, clusters = await services(context).guides.missed_phrasings(await actor(update, context), brand_id)
    for reply in presenter.missed_phrasings(brand, clusters, user_lang(update, context)):
        await send(message, reply)


@polite
async def on_choose_tip(update: Update, context: Context) -> None:
    """ "Add as a phrasing": which tip should it go to?"""
    action = pressed(update)
    assert isinstance(action, ChooseTipFor) and update.callback_query is not None
    missed = await services(context).guides.missed_phrasing(await actor(update, context), action.brand_id, action.key)
    await update.callback_query.answer()
    await edit(update, presenter.choose_tip(missed, user_lang(update, context)))


@polite
async def on_dismiss(update: Update, context: Context) -> None:
    action = pressed(update)
    assert isinstance(action, DismissPhrasing) and update.callback_query is not None
    question = await services(context).guides.dismiss_phrasing(await actor(update, context), action.brand_id, action.key)
    await update.callback_query.answer()
    await edit(update, presenter.phrasing_dismissed(question, user_lang(update, context)))


@polite
async def on_add_phrasing(update: Update, context: Context) -> None:
    """A tip chosen: the wording is added to it and the guide published (the role checked again)."""
    action = pressed(update)
    assert isinstance(action, AddPhrasing) and update.callback_query is not None
    lang = user_lang(update, context)
    added = await services(context).guides.add_phrasing(await actor(update, context), action.key, action.tip_ref)
    await update.callback_query.answer()
    reply = presenter.publication(added, lang) if isinstance(added, Refused) else presenter.phrasing_added(added, lang)
    await edit(update, reply)
