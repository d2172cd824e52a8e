"""Signing in to the web console through the bot: no passwords.

A person with a role asks the bot (``/console``) and gets a one-time link: a random token,
valid for ten minutes, usable once. Redeeming it starts a session of eight hours; the browser
holds the session's random token in a cookie, and every request is answered for the person's
roles as they are at that moment: a session whose person no longer holds any role ends there.
Only SHA-256 digests of the tokens are stored.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from ..store import Store
from .access import Actor, Privilege, actor_of

LINK_SECONDS = 10 * 60
SESSION_SECONDS = 8 * 3600


class SignedOut(Exception):
    """No live session: never started, signed out, expired, or the person's roles were revoked."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the cookie's value and its lifetime."""

    session_token: str
    max_age: int
    actor: Actor  # who signed in, with their roles now: where the console opens depends on them


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """Who is asking, with their roles now, and the form token bound to their session."""

    actor: Actor
    csrf_token: str


class ConsoleService:
    def __init__(self, store: Store, admin_ids: frozenset[int], base_url: str | None):
        self._store = store
        self._admin_ids = admin_ids
        self.base_url = base_url.rstrip("/") if base_url else None

    async def sign_in_link(self, actor: Actor) -> str:
        """A one-time sign-in address for ``actor`` (raises Forbidden without a role, LookupError without a console)."""
        actor.require(Privilege.USE_CONSOLE)
        if self.base_url is None or actor.user_id is None:
            raise LookupError("the web console is not configured (console_url)")
        token = secrets.token_urlsafe(32)
        now = time.time()
        await self._store.console.add_link(digest(token), actor.user_id, now, now + LINK_SECONDS)
        return f"{self.base_url}/signin/{token}"

    async def sign_in(self, link_token: str) -> SignedIn:
        """Redeem a sign-in link (once); raises SignedOut for a used, expired or unknown link, or a person without a role."""
        session_token = secrets.token_urlsafe(32)
        now = time.time()
        user_id = await self._store.console.redeem_link(
            digest(link_token), now, (digest(session_token), secrets.token_urlsafe(32), now + SESSION_SECONDS)
        )
        if user_id is None:
            raise SignedOut()
        user = await self.user(session_token)  # the role is checked at sign-in as at every request
        return SignedIn(session_token, SESSION_SECONDS, user.actor)

    async def user(self, session_token: str | None) -> ConsoleUser:
        """The session's person with their roles now; a person without any role is signed out here."""
        if not session_token:
            raise SignedOut()
        now = time.time()
        session = await self._store.console.session(digest(session_token), now)
        if session is None:
            raise SignedOut()
        actor = await actor_of(self._store, session.user_id, self._admin_ids)
        if not actor.has_role:
            await self._store.console.end_session(digest(session_token), now, "role revoked")
            raise SignedOut()
        return ConsoleUser(actor, session.csrf_token)

    async def sign_out(self, session_token: str) -> None:
        await self._store.console.end_session(digest(session_token), time.time(), "signed out")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
