"""Signing in with the bot's one-time link, and signing out.

Opening the link shows a button rather than signing in at once: chat apps and link scanners
fetch links they see, and a GET must not spend a one-time link.
"""

from __future__ import annotations

import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ...core.services.access import Actor, Privilege
from ...core.services.console import SignedOut
from ..render import render
from ..session import (
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    forget_session,
    offer_signin_form,
    posted_form,
    remember_session,
    services,
    signed_in,
)


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/signin/{token}", signin_page, methods=["GET"]),
        Route("/signin/{token}", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
    ]


async def home(request: Request) -> Response:
    return RedirectResponse(landing((await signed_in(request)).actor), status_code=303)


def landing(actor: Actor) -> str:
    """Where the console opens: the report queue for enforcement, a brand's guides for its staff."""
    return "/queue" if actor.may(Privilege.ENFORCE) else "/guides"


async def signin_page(request: Request) -> Response:
    form_token = secrets.token_urlsafe(32)
    response = render(request, "signin.html", {"form_token": form_token, "token": request.path_params["token"]})
    offer_signin_form(request, response, form_token)
    return response


async def signin(request: Request) -> Response:
    cookie = request.cookies.get(SIGNIN_COOKIE)
    if not cookie:
        raise HTTPException(403, "missing or wrong form token")
    await posted_form(request, cookie)
    try:
        signed = await services(request).console.sign_in(request.path_params["token"])
    except SignedOut:
        return render(request, "signed_out.html", {"link_spent": True}, status_code=401)
    response = RedirectResponse(landing(signed.actor), status_code=303)
    remember_session(request, response, signed.session_token, signed.max_age)
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return response


async def signout(request: Request) -> Response:
    user = await signed_in(request)
    await posted_form(request, user.csrf_token)
    await services(request).console.sign_out(request.cookies[SESSION_COOKIE])
    response = render(request, "signed_out.html", {"signed_out": True})
    forget_session(response)
    return response
