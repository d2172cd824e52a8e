"""Admins: grant and revoke roles, list them, add brands. And /whoami, for everyone, and /console,
the web console's sign-in link, for everyone with a role."""

from __future__ import annotations

from importlib.resources import files

from telegram import Update
from telegram.ext import CommandHandler

from .. import presenter
from ..core.services import Privilege
from ..presenter import Reply
from ..texts import say
from .common import Context, Handler, actor, command_args, is_group, polite, send, services, user_lang


def handlers() -> list[Handler]:
    return [
        CommandHandler("whoami", whoami),
        CommandHandler("console", console),
        CommandHandler("grant", grant),
        CommandHandler("revoke", revoke),
        CommandHandler("roles", roles),
        CommandHandler("addbrand", add_brand),
    ]


async def whoami(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await send(update.effective_message, presenter.whoami(await actor(update, context), user_lang(update, context)))


@polite
async def console(update: Update, context: Context) -> None:
    """/console: a one-time link that signs the person in to the web console (private chats only)."""
    assert update.effective_message is not None
    lang = user_lang(update, context)
    if is_group(update.effective_message):
        await send(update.effective_message, Reply(say("console_private", lang)))
        return
    try:
        link = await services(context).console.sign_in_link(await actor(update, context))
    except LookupError:
        await send(update.effective_message, Reply(say("console_off", lang)))
        return
    await send(update.effective_message, presenter.console_link(link, lang))


@polite
async def grant(update: Update, context: Context) -> None:
    """/grant USER_ID ROLE [BRAND]"""
    await _change_role(update, context, granting=True)


@polite
async def revoke(update: Update, context: Context) -> None:
    """/revoke USER_ID ROLE [BRAND]"""
    await _change_role(update, context, granting=False)


async def _change_role(update: Update, context: Context, granting: bool) -> None:
    message, lang, args = update.effective_message, user_lang(update, context), command_args(context)
    assert message is not None
    who = await actor(update, context)
    who.require(Privilege.MANAGE_ROLES)  # before the usage: a non-admin learns nothing
    usage = say("grant_usage" if granting else "revoke_usage", lang)
    if len(args) < 2 or not args[0].isdigit():
        await send(message, Reply(usage))
        return
    change = services(context).roles.grant if granting else services(context).roles.revoke
    try:
        done = await change(who, int(args[0]), args[1], args[2] if len(args) > 2 else None)
    except ValueError as problem:
        await send(message, Reply(say("bad_grant", lang, problem=str(problem)) + "\n" + usage))
        return
    await send(message, presenter.role_change(done, granting, lang))


@polite
async def roles(update: Update, context: Context) -> None:
    """/roles: every grant (admins only)."""
    assert update.effective_message is not None
    listing = await services(context).roles.all(await actor(update, context))
    await send(update.effective_message, presenter.role_list(listing, user_lang(update, context)))


@polite
async def add_brand(update: Update, context: Context) -> None:
    """/addbrand: how to add a brand, with a template file to fill in (admins only)."""
    message = update.effective_message
    assert message is not None
    (await actor(update, context)).require(Privilege.ADD_BRAND)
    await send(message, Reply(say("addbrand", user_lang(update, context))))
    template = files("bot").joinpath("data", "brand_template.yaml").read_bytes()
    await message.reply_document(template, filename="brand_template.yaml")
