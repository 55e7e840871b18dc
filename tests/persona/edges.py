"""The two edges of the persona table — the JSON API and the web forms — over one populated
company, and the one vocabulary both answers are read into: ``ok``, ``forbidden``,
``not_found`` or the error code of a 409/422/429 (``not_owner``, ``validation_error``…).

HQ ├─ East ─ East Team A        pool "Company" (members: HQ, so everyone; the default pool)
   ├─ West                      pool "P" (members: East and below; admin: pool_admin)
   └─ Ops

Personas: admin (HQ); pool_admin (a sales user in Ops who administers P); manager (East);
sub_manager (manager of East Team A); rep (sales, East Team A); other_rep (sales, West).
Bystanders, never acting: teammate (sales, East Team A: the one customers are handed to) and
peer_manager (a second manager of East, whom the East manager must not reach).
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from highseas.web.format import ERROR_TEXTS
from tests.conftest import PASSWORD

PERSONAS = ("admin", "pool_admin", "manager", "sub_manager", "rep", "other_rep")
BYSTANDERS = ("teammate", "peer_manager")
SESSION_COOKIE = "hs_session"
FLASH_COOKIE = "hs_flash"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# The web says a refusal in words; each code's English sentence, its numbers left open, reads it back.
_SAME_CLASS = {
    "already_owned_by_you": "already_owned",
    "reclaim_protected_from_other": "reclaim_protected",
    "duplicate_customer_hidden": "duplicate_customer",
    "dedup_rate_limited": "rate_limited",
}
_SENTENCES = [
    (
        _SAME_CLASS.get(code, code),
        re.compile(".+?".join(re.escape(part) for part in re.split(r"%\(\w+\)s", str(text)))),
    )
    for code, text in ERROR_TEXTS.items()
]


def answer_class(code: str) -> str:
    """Both 403 codes are one class: the web's 403 page does not say which."""
    return "forbidden" if code == "not_pool_member" else code


def api_answer(response: Response) -> str:
    if response.status_code < 300:
        return "ok"
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return f"http_{response.status_code}"
    return answer_class(str(code))


def _refusal_in(text: str) -> str | None:
    plain = html.unescape(text)
    for code, sentence in _SENTENCES:
        if sentence.search(plain):
            return answer_class(code)
    return None


def _flash(response: Response) -> tuple[str, str] | None:
    value = response.cookies.get(FLASH_COOKIE)
    if not value:
        return None
    items = json.loads(base64.urlsafe_b64decode(value.strip('"').encode()))
    return (str(items[0][0]), str(items[0][1])) if items else None


def _redirect_answer(response: Response) -> str:
    """Forms answer with a redirect carrying a flash message: done, or why not."""
    location = response.headers["location"]
    flash = _flash(response)
    if location.startswith("/login"):
        return "logged_out"
    if flash is None:
        return f"a redirect to {location} saying nothing"
    if flash[0] == "success":
        return "ok"
    return _refusal_in(flash[1]) or f"unread refusal: {flash[1]!r}"


def web_answer(response: Response) -> str:
    """A 403/404 page, a redirect with a flash message, or a page showing what it did or why not."""
    status = response.status_code
    if status in (403, 404):
        return "forbidden" if status == 403 else "not_found"
    if status in (302, 303):
        return _redirect_answer(response)
    refusal = _refusal_in(response.text)
    if refusal is None and 'class="error"' in response.text:
        refusal = f"an unread error on a {status} page"
    return refusal or ("ok" if status == 200 else f"http_{status}")


@dataclass
class World:
    """The company, an API client (tokens per user) and one browser session per user."""

    api_client: TestClient
    web_clients: dict[str, TestClient]
    ids: dict[str, int]
    usernames: dict[str, str]
    settings: dict[str, Any]
    tokens: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    _csrf: dict[str, tuple[str, str]] = field(default_factory=dict)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def unique(self, stem: str) -> str:
        return f"{stem} {next(self._serial)}"

    def password(self, who: str) -> str:
        return self.passwords.get(who, PASSWORD)

    def resolve(self, values: Any, as_text: bool = False) -> Any:
        """``"@name"`` stands for the id of that user, department or pool (as text for a form)."""
        if isinstance(values, dict):
            return {k: self.resolve(v, as_text) for k, v in values.items()}
        if isinstance(values, list):
            return [self.resolve(v, as_text) for v in values]
        if isinstance(values, str) and values.startswith("@"):
            found = self.ids[values[1:]]
            return str(found) if as_text else found
        return values

    def phone(self) -> str:
        return f"1390000{next(self._serial):04d}"

    # --- the API edge -------------------------------------------------------------------
    def log_in_api(self, who: str) -> None:
        response = self.api_client.post(
            "/api/v1/auth/token", json={"username": self.usernames[who], "password": self.password(who)}
        )
        assert response.status_code == 200, response.text
        self.tokens[who] = response.json()["access_token"]

    def api(self, who: str, method: str, path: str, **kwargs: Any) -> Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response: Response = self.api_client.request(method, f"/api/v1{path}", headers=headers, **kwargs)
        return response

    def setup(self, method: str, path: str, who: str = "admin", **kwargs: Any) -> Any:
        """A call that prepares a cell; it must work, or the cell would test nothing."""
        response = self.api(who, method, path, **kwargs)
        assert response.status_code < 300, f"setup {method} {path} as {who}: {response.text}"
        return response.json() if response.content else None

    # --- the web edge -------------------------------------------------------------------
    def log_in_web(self, who: str) -> None:
        client = self.web_clients[who]
        client.cookies.clear()
        token = _CSRF.search(client.get("/login").text)
        assert token, "the login page has no CSRF token"
        response = client.post(
            "/login",
            data={
                "csrf_token": token.group(1),
                "username": self.usernames[who],
                "password": self.password(who),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303 and client.cookies.get(SESSION_COOKIE), response.text

    def _csrf_token(self, who: str) -> str:
        """A form's token, read from a page once per session (a password change starts a new one)."""
        client = self.web_clients[who]
        session = client.cookies.get(SESSION_COOKIE) or ""
        cached = self._csrf.get(who)
        if cached is None or cached[0] != session:
            found = _CSRF.search(client.get("/account").text)
            assert found, f"{who} sees no form on their account page"
            cached = self._csrf[who] = (session, found.group(1))
        return cached[1]

    def submit(self, who: str, path: str, data: dict[str, Any], **kwargs: Any) -> Response:
        """Post a form as a browser would, without following the redirect that answers it."""
        client = self.web_clients[who]
        data = {"csrf_token": self._csrf_token(who), **data}
        response: Response = client.post(path, data=data, follow_redirects=False, **kwargs)
        client.cookies.delete(FLASH_COOKIE)
        return response

    def open(self, who: str, path: str) -> Response:
        response: Response = self.web_clients[who].get(path, follow_redirects=False)
        return response

    def settle_password(self, who: str, tried: str) -> None:
        """After a password change, whichever way it went: log in anew on both edges."""
        for password in (tried, self.password(who)):
            answer = self.api_client.post(
                "/api/v1/auth/token", json={"username": self.usernames[who], "password": password}
            )
            if answer.status_code == 200:
                self.passwords[who] = password
                break
        self.log_in_api(who)
        self.log_in_web(who)
