"""Logging in and out, and choosing the language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from highseas import errors
from highseas.api.deps import client_address
from highseas.auth import service
from highseas.auth.throttle import TooManyAttempts
from highseas.org.service import set_password
from highseas.refusals import audit_refusal
from highseas.web.context import (
    ANON_COOKIE,
    LANG_COOKIE,
    SESSION_COOKIE,
    Anonymous,
    CsrfChecked,
    SignedIn,
    safe_path,
    set_cookie,
)
from highseas.web.i18n import Lang

router = APIRouter()


@router.get("/login")
def login_form(page: Anonymous, next: str = "/") -> Response:
    return page.render("login.html", next=safe_path(next), username="")


@router.post("/login", dependencies=[CsrfChecked])
def login(
    page: Anonymous,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        logged_in = service.log_in(page.session, username, password, client_address(page.request))
    except TooManyAttempts as exc:  # nothing was checked or written, nothing to keep
        refused = page.render(
            "login.html", status=429, next=safe_path(next), username=username, error=page.fmt.error(exc)
        )
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    if logged_in is None:
        # The request's transaction commits the recorded failure: the answer is a page, not an error.
        message = page.gettext("Wrong username or password.")
        return page.render("login.html", status=401, next=safe_path(next), username=username, error=message)
    response = page.redirect(safe_path(next))
    set_cookie(page.request, response, SESSION_COOKIE, logged_in[1])
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(page: Anonymous) -> Response:
    token = page.request.cookies.get(SESSION_COOKIE)
    if token:
        service.log_out(page.session, token)
    response = page.redirect("/login", page.done(page.gettext("You are logged out.")))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account")
def account(page: SignedIn) -> Response:
    return page.render("account.html")


@router.post("/account/password", dependencies=[CsrfChecked])
def change_password(
    page: SignedIn,
    current: Annotated[str, Form(max_length=200)],
    new: Annotated[str, Form(max_length=200)],
    repeat: Annotated[str, Form(max_length=200)],
) -> Response:
    """A new password ends every other session of the user at once; this one carries on."""
    me = page.me
    if new != repeat:
        return page.render("account.html", status=400, error=page.gettext("The two new passwords differ."))
    try:
        set_password(page.session, me, me, new, current)
    except errors.WrongPassword as exc:
        page.session.rollback()  # the refusal's audit row takes the writer lock on SQLite
        audit_refusal(page.request, exc)
        return page.render("account.html", status=400, error=page.gettext("The current password is wrong."))
    except errors.DomainError as exc:
        return page.render("account.html", status=400, error=page.fmt.error(exc))
    response = page.redirect(
        "/account", page.done(page.gettext("Password changed. Other sessions are logged out."))
    )
    set_cookie(page.request, response, SESSION_COOKIE, service.issue_token(page.session, me))
    return response


@router.post("/lang", dependencies=[CsrfChecked])
def choose_language(
    page: Anonymous, lang: Annotated[Lang, Form()], next: Annotated[str, Form()] = "/"
) -> Response:
    response = page.redirect(safe_path(next))
    set_cookie(page.request, response, LANG_COOKIE, lang.value)
    return response
