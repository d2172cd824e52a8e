"""Admins: grant and revoke roles, list them, add brands. And /whoami, for everyone."""

from __future__ import annotations

import html
from importlib.resources import files

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from ..core.roles import Grant, Permissions, Role, parse_grant
from ..presenter import Reply
from ..texts import Lang, say
from .common import Context, command_args, permissions, refuse, send, services, user_lang


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("whoami", whoami),
        CommandHandler("grant", grant),
        CommandHandler("revoke", revoke),
        CommandHandler("roles", roles),
        CommandHandler("addbrand", add_brand),
    ]


def describe(grant: Grant, lang: Lang) -> str:
    if grant.role is Role.ADMIN:
        return say("role_admin", lang)
    brand = grant.brand or say("all_brands", lang)
    return say(f"role_{grant.role.value}", lang, brand=brand)


async def whoami(update: Update, context: Context) -> None:
    lang = user_lang(update, context)
    allowed = await permissions(update, context)
    names = [describe(g, lang) for g in allowed.grants]
    if allowed.configured_admin:
        names.insert(0, say("role_admin", lang))
    text = say("whoami", lang, user_id=allowed.user_id, roles="、".join(dict.fromkeys(names)) or say("role_shopper", lang))
    await send(update.effective_message, Reply(text))  # type: ignore[arg-type]


async def _admin(update: Update, context: Context) -> Permissions | None:
    allowed = await permissions(update, context)
    if not allowed.is_admin:
        await refuse(update, context)
        return None
    return allowed


async def grant(update: Update, context: Context) -> None:
    """/grant USER_ID ROLE [BRAND]"""
    await _change_role(update, context, granting=True)


async def revoke(update: Update, context: Context) -> None:
    """/revoke USER_ID ROLE [BRAND]"""
    await _change_role(update, context, granting=False)


async def _change_role(update: Update, context: Context, granting: bool) -> None:
    allowed = await _admin(update, context)
    if allowed is None:
        return
    lang = user_lang(update, context)
    args = command_args(context)
    usage = say("grant_usage" if granting else "revoke_usage", lang)
    if len(args) < 2 or not args[0].isdigit():
        await send(update.effective_message, Reply(usage))  # type: ignore[arg-type]
        return
    try:
        wanted = parse_grant(int(args[0]), args[1], args[2].lower() if len(args) > 2 else None)
    except ValueError as problem:
        await send(update.effective_message, Reply(say("bad_grant", lang, problem=str(problem)) + "\n" + usage))  # type: ignore[arg-type]
        return
    svc = services(context)
    if wanted.brand and svc.library.catalog.brand(wanted.brand) is None:
        await send(update.effective_message, Reply(say("unknown_brand", lang, brand=wanted.brand)))  # type: ignore[arg-type]
        return
    role = describe(wanted, lang)
    if granting:
        done = await svc.store.roles.grant(wanted, allowed.user_id)
        key = "granted" if done else "already_granted"
    else:
        done = await svc.store.roles.revoke(wanted, allowed.user_id)
        key = "revoked" if done else "not_granted"
    await send(update.effective_message, Reply(say(key, lang, user_id=wanted.user_id, role=role)))  # type: ignore[arg-type]


async def roles(update: Update, context: Context) -> None:
    """/roles: every grant (admins only)."""
    if await _admin(update, context) is None:
        return
    lang = user_lang(update, context)
    svc = services(context)
    grants = await svc.store.roles.grants()
    if not grants:
        admins = ", ".join(str(i) for i in sorted(svc.settings.admin_ids)) or "-"
        await send(update.effective_message, Reply(say("roles_none", lang, admins=admins)))  # type: ignore[arg-type]
        return
    lines = [say("roles_list", lang)] + [f"• <code>{g.user_id}</code> {html.escape(describe(g, lang))}" for g in grants]
    await send(update.effective_message, Reply("\n".join(lines)))  # type: ignore[arg-type]


async def add_brand(update: Update, context: Context) -> None:
    """/addbrand: how to add a brand, with a template file to fill in (admins only)."""
    if await _admin(update, context) is None:
        return
    message = update.effective_message
    assert message is not None
    await send(message, Reply(say("addbrand", user_lang(update, context))))
    template = files("bot").joinpath("data", "brand_template.yaml").read_bytes()
    await message.reply_document(template, filename="brand_template.yaml")
