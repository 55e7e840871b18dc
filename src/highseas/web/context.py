"""What every page needs: the signed-in user (session cookie), CSRF tokens, the language, flash
messages, and rendering.

The session cookie holds an opaque token of :mod:`highseas.auth.service` — the same tokens as the
API's — so logout, a password change and a deactivation end web sessions at once, in every server
process. A form's CSRF token is an HMAC of that session token (before login, of a random cookie),
so it needs no server secret and no storage, and a forged form from another site cannot know it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.api.deps import PageDb
from highseas.auth.service import user_for_token
from highseas.org.models import CompanySettings, Role, User
from highseas.org.queries import company_settings
from highseas.validation import nul_field, refuse_nul
from highseas.web.format import Formatter
from highseas.web.i18n import Lang, negotiate, translations
from highseas.web.lookups import administered_pools

SESSION_COOKIE = "hs_session"
ANON_COOKIE = "hs_anon"
LANG_COOKIE = "hs_lang"
STREAM_MARK = "<!--stream-->"
ResponseT = TypeVar("ResponseT", bound=Response)
FLASH_COOKIE = "hs_flash"
TEMPLATES = Path(__file__).parent / "templates"


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the login form."""


class CsrfRejected(Exception):
    """A form came without this session's CSRF token."""


def lang_of(request: Request) -> Lang:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in (Lang.ZH.value, Lang.EN.value):
        return Lang(chosen)
    return negotiate(request.headers.get("accept-language"))


def csrf_token_for(seed: str) -> str:
    return hmac.new(seed.encode(), b"highseas-form", hashlib.sha256).hexdigest()


def _csrf_seed(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(ANON_COOKIE)


async def verify_csrf(request: Request) -> None:
    """Every form of a page carries the token; a field holding a NUL character (which no one types
    and PostgreSQL cannot store) is refused by name for every form here."""
    form = await request.form()
    sent, seed = form.get("csrf_token"), _csrf_seed(request)
    if not seed or not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token_for(seed)):
        raise CsrfRejected
    refuse_nul(nul_field(form.multi_items()))


CsrfChecked = Depends(verify_csrf)


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https"


def safe_path(target: str | None, default: str = "/") -> str:
    """Only our own paths: a ``next`` parameter must not send anyone to another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


@cache
def environment(lang: Lang) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def _encode_flashes(flashes: list[tuple[str, str]]) -> str:
    return base64.urlsafe_b64encode(json.dumps(flashes).encode()).decode()


def _decode_flashes(value: str | None) -> list[tuple[str, str]]:
    if not value:
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(value.encode()))
    except (ValueError, binascii.Error):
        return []
    if not isinstance(items, list):
        return []
    return [(str(i[0]), str(i[1])) for i in items if isinstance(i, list) and len(i) == 2]


@dataclass
class Page:
    """One request of one viewer (``user`` is None on the login page and error pages)."""

    request: Request
    session: Session
    user: User | None
    lang: Lang

    @cached_property
    def settings(self) -> CompanySettings:
        return company_settings(self.session)

    @cached_property
    def fmt(self) -> Formatter:
        return Formatter(self.lang, ZoneInfo(self.settings.timezone), clock.now())

    def gettext(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    @property
    def me(self) -> User:
        """The signed-in user, on pages that require one."""
        if self.user is None:
            raise LoginRequired
        return self.user

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.role is Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.user is not None and self.user.role in (Role.ADMIN, Role.MANAGER)

    @cached_property
    def may_import(self) -> bool:
        """Whether the navigation offers the import page: admins and pool admins."""
        return self.user is not None and bool(administered_pools(self.session, self.user))

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html, new_seed = self._html(name, context)
        return self._with_cookies(HTMLResponse(html, status_code=status), new_seed)

    def stream(self, name: str, pieces: Iterator[str], **context: Any) -> StreamingResponse:
        """The page with ``pieces`` sent one after another where its template says
        ``<!--stream-->``: for work that tells how far it has got while the browser waits."""
        html, new_seed = self._html(name, context)
        head, _, tail = html.partition(STREAM_MARK)
        body = itertools.chain([head], pieces, [tail])
        return self._with_cookies(StreamingResponse(body, media_type="text/html; charset=utf-8"), new_seed)

    def _html(self, name: str, context: dict[str, Any]) -> tuple[str, str | None]:
        seed = _csrf_seed(self.request)
        new_seed = None if seed else secrets.token_urlsafe(32)
        html = (
            environment(self.lang)
            .get_template(name)
            .render(
                page=self,
                user=self.user,
                fmt=self.fmt,
                lang=self.lang,
                langs=list(Lang),
                csrf_token=csrf_token_for(seed or new_seed or ""),
                flashes=_decode_flashes(self.request.cookies.get(FLASH_COOKIE)),
                path=self.request.url.path,
                here=str(self.request.url.path)
                + (f"?{self.request.url.query}" if self.request.url.query else ""),
                **context,
            )
        )
        return html, new_seed

    def _with_cookies(self, response: ResponseT, new_seed: str | None) -> ResponseT:
        if FLASH_COOKIE in self.request.cookies:
            response.delete_cookie(FLASH_COOKIE, path="/")
        if new_seed:
            set_cookie(self.request, response, ANON_COOKIE, new_seed)
        return response

    def redirect(self, url: str, *flashes: tuple[str, str]) -> RedirectResponse:
        response = RedirectResponse(safe_path(url), status_code=303)
        if flashes:
            set_cookie(self.request, response, FLASH_COOKIE, _encode_flashes(list(flashes)))
        return response

    def done(self, message: str) -> tuple[str, str]:
        return ("success", message)

    def refused(self, exc: errors.DomainError) -> tuple[str, str]:
        return ("error", self.fmt.error(exc))


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="lax", secure=secure_cookies(request), path="/")


def _signed_in_page(request: Request, session: PageDb) -> Page:
    refuse_nul(nul_field(request.query_params.multi_items()))
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        user = user_for_token(session, token)
    except errors.Unauthenticated:
        raise LoginRequired from None
    request.state.user_id = user.id
    return Page(request, session, user, lang_of(request))


def _anonymous_page(request: Request, session: PageDb) -> Page:
    refuse_nul(nul_field(request.query_params.multi_items()))
    return Page(request, session, None, lang_of(request))


SignedIn = Annotated[Page, Depends(_signed_in_page)]
Anonymous = Annotated[Page, Depends(_anonymous_page)]
