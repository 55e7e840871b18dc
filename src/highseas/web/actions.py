"""Running one service call for a form: success and refusals come back as flash messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi.responses import RedirectResponse

from highseas import errors
from highseas.refusals import audit_refusal
from highseas.web.context import Page

T = TypeVar("T")


def act(
    page: Page,
    back: str,
    success: str,
    action: Callable[[], T],
    then: Callable[[T], str] | None = None,
) -> RedirectResponse:
    """Call ``action``; redirect to ``then(result)`` (or ``back``) saying ``success``, or to ``back``
    saying exactly why the rules refused. Something the viewer may not see at all stays a 404 page."""
    try:
        result = action()
    except errors.NotFound:
        raise
    except errors.DomainError as exc:
        # Undo whatever the service flushed before it refused: the request would commit it.
        page.session.rollback()
        audit_refusal(page.request, exc)
        return page.redirect(back, page.refused(exc))
    return page.redirect(then(result) if then else back, page.done(success))


def unconfirmed(page: Page, back: str, confirm: str | None) -> RedirectResponse | None:
    """Destructive forms carry a "yes, I mean it" checkbox, so they work without JavaScript."""
    if confirm == "yes":
        return None
    return page.redirect(back, ("error", page.gettext("Tick the confirmation box to go ahead.")))
