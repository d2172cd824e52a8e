"""The session cookie and the form token (CSRF).

The cookie holds the session's random token (HttpOnly, SameSite=Lax, Secure when the request
came over https, directly or through the proxy). Every form carries the token bound to the
session, compared in constant time; a POST without the right one changes nothing. The sign-in
form, before any session, uses a double-submit cookie instead.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..core.services import Services
from ..core.services.console import ConsoleUser

SESSION_COOKIE = "authbot_session"
SIGNIN_COOKIE = "authbot_signin"
CSRF_FIELD = "csrf"


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


async def signed_in(request: Request) -> ConsoleUser:
    """The person of this request's session with their roles now (raises SignedOut)."""
    user = await services(request).console.user(request.cookies.get(SESSION_COOKIE))
    request.state.csrf = user.csrf_token
    request.state.actor = user.actor
    return user


async def posted_form(request: Request, expected_csrf: str) -> FormData:
    """The form, if it carries ``expected_csrf``; otherwise 403 and nothing done."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not secrets.compare_digest(sent.encode(), expected_csrf.encode()):
        raise HTTPException(403, "missing or wrong form token")
    return form


def remember_session(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/"
    )


def forget_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def offer_signin_form(request: Request, response: Response, token: str) -> None:
    """Set the sign-in form's double-submit token as a short-lived cookie too."""
    response.set_cookie(
        SIGNIN_COOKIE, token, max_age=600, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/signin"
    )
