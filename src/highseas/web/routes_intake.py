"""Lead intake pages: import a file into a pool (mapping preview, result, report, possible
duplicates) and batch distribution (任务分配); the downloads are in ``routes_export``. Every step
is one call of the services under :mod:`highseas.intake`, as the API's routes make them."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import aliased

from highseas import errors
from highseas.api.deps import IdPath, engine_of
from highseas.auth.permissions import Action, can, pools_for
from highseas.customers.models import GRADES, Customer
from highseas.db import session_scope
from highseas.downloads import CSV, download
from highseas.intake.distribution import Strategy, distribute
from highseas.intake.importer import get_batch, import_file, importable_pool, preview_import
from highseas.intake.mapping import CUSTOM, FIELDS, IGNORE
from highseas.intake.models import ImportBatch, ImportIssue, IssueKind
from highseas.intake.report import RESULTS, report_rows, where_it_is, write_report
from highseas.org.queries import get_user
from highseas.pools.models import Pool
from highseas.pools.queries import get_pool, is_pool_admin
from highseas.refusals import audit_refusal
from highseas.reports.team import team_load
from highseas.web import uploads
from highseas.web.context import CsrfChecked, Page, SignedIn
from highseas.web.format import FIELD_NAMES, STRATEGIES
from highseas.web.forms import optional_int, optional_text, required_int
from highseas.web.i18n import Lang, translations
from highseas.web.lookups import user_names

router = APIRouter()
logger = logging.getLogger(__name__)
REVIEW_LIMIT = 50
TextList = Annotated[list[str], Form()]


def _importer(page: Page) -> list[Pool]:
    """The pools this user may import into; nobody else may open the import pages."""
    pools = pools_for(page.session, page.me, Action.IMPORT)
    if not pools:
        raise errors.Forbidden("importing leads is for admins and pool admins")
    return pools


def _render_import(page: Page, status: int = 200, **context: Any) -> Response:
    values: dict[str, Any] = {
        "pools": _importer(page),
        "chosen_pool": None,
        "preview": None,
        "error": None,
        "fields": {f: FIELD_NAMES[f] for f in (*FIELDS, CUSTOM, IGNORE)},
        "grades": GRADES,
    }
    return page.render("import.html", status=status, **(values | context))


def _or_refusal(
    page: Page, attempt: Callable[[], Response], refused: Callable[[int, str], Response]
) -> Response:
    """The attempt's answer or, when the rules refuse, ``refused(status, why)`` with the form
    again; something the viewer may not see at all stays a 404 page."""
    try:
        return attempt()
    except errors.NotFound:
        raise
    except errors.DomainError as exc:
        # Undo whatever the service flushed before it refused: the request would commit it.
        page.session.rollback()
        audit_refusal(page.request, exc)
        return refused(exc.status, page.fmt.error(exc))


def _import_refused(page: Page, pool: str) -> Callable[[int, str], Response]:
    return lambda status, error: _render_import(
        page, status=status, chosen_pool=optional_int(pool, "pool", 1), error=error
    )


@router.get("/import")
def import_page(page: SignedIn, pool: str | None = None) -> Response:
    return _render_import(page, chosen_pool=optional_int(pool, "pool", 1))


ValueMap = dict[str, dict[str, str | None]]


def _show_preview(
    page: Page, pool_id: int, token: str, file_name: str, mapping: dict[str, str], value_map: ValueMap
) -> Response:
    path = uploads.held(page.me.id, token)
    preview = preview_import(page.session, page.me, pool_id, path, mapping, value_map)
    return _render_import(page, chosen_pool=pool_id, preview=preview, token=token, file_name=file_name)


@router.post("/import", dependencies=[CsrfChecked])
def upload(page: SignedIn, pool: Annotated[str, Form()], file: Annotated[UploadFile, File()]) -> Response:
    """Keep the file and show how its columns would be read, with the first rows. Who may import
    into the pool is the importer's to say (an invisible pool is a 404, as on the API)."""

    def attempt() -> Response:
        pool_id = importable_pool(page.session, page.me, required_int(pool, "pool", 1)).id
        token = uploads.hold(page.me.id, file.file)
        try:
            return _show_preview(page, pool_id, token, file.filename or "upload", {}, {})
        except errors.DomainError:
            uploads.release(page.me.id, token)  # a file that cannot be read is not kept for later
            raise

    return _or_refusal(page, attempt, _import_refused(page, pool))


@router.post("/import/run", dependencies=[CsrfChecked])
def run_import(
    page: SignedIn,
    pool: Annotated[str, Form()],
    token: Annotated[str, Form(max_length=64)],
    file_name: Annotated[str, Form(max_length=255)] = "upload",
    intent: Annotated[str, Form()] = "import",
    header: TextList = [],  # noqa: B006 - FastAPI copies form defaults
    field: TextList = [],  # noqa: B006
    grade_value: TextList = [],  # noqa: B006
    grade_target: TextList = [],  # noqa: B006
) -> Response:
    """Import the held file with the mapping and the grade value map as chosen, or ("preview")
    show it read that way; the value map is saved either way, the mapping when importing."""
    # One select per column, in the header's order; an empty choice keeps the column as it reads.
    mapping = {h: f for h, f in zip(header, field, strict=False) if h.strip() and f}
    grades = {v: t or None for v, t in zip(grade_value, grade_target, strict=False) if v.strip()}
    value_map: ValueMap = {"grade": grades} if grades else {}

    def attempt() -> Response:
        pool_id = importable_pool(page.session, page.me, required_int(pool, "pool", 1)).id
        if intent == "preview":
            return _show_preview(page, pool_id, token, file_name, mapping, value_map)
        held = uploads.held(page.me.id, token)
        run = _ImportRun(page, pool_id, held, token, file_name, mapping, value_map)
        return page.stream("import_progress.html", run.progress(), file_name=file_name, pool_id=pool_id)

    return _or_refusal(page, attempt, _import_refused(page, pool))


class _ImportRun:
    """An import started from the page, run in a thread with a transaction of its own (the
    request's has ended by the time the page streams), telling the page how far it has got."""

    def __init__(
        self,
        page: Page,
        pool_id: int,
        path: Path,
        token: str,
        file_name: str,
        mapping: dict[str, str],
        value_map: ValueMap,
    ) -> None:
        self.page = page
        self.user_id = page.me.id
        self.pool_id = pool_id
        self.path = path
        self.token = token
        self.file_name = file_name
        self.mapping = mapping
        self.value_map = value_map
        self.events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    def work(self) -> None:
        outcome: tuple[str, Any] = ("failed", None)
        try:
            with session_scope(engine_of(self.page.request)) as session:
                result = import_file(
                    session,
                    get_user(session, self.user_id),
                    self.pool_id,
                    self.path,
                    file_name=self.file_name,
                    mapping=self.mapping,
                    value_map=self.value_map,
                    progress=lambda done, total: self.events.put(("read", (done, total))),
                )
                batch = (result.batch.id, result.already_imported)
            outcome = ("done", batch)
            uploads.release(self.user_id, self.token)
        except errors.DomainError as refused:
            outcome = ("refused", self.page.fmt.error(refused))
            audit_refusal(self.page.request, refused)
        except Exception:
            # Rolled back (or committed, if only the clean-up failed): the page says which.
            logger.exception("import of %r into pool %s failed", self.file_name, self.pool_id)
        finally:
            # Always the last event: the page waits for it.
            self.events.put(outcome)

    def progress(self) -> Iterator[str]:
        """The page's pieces: how much of the file has been read, then the outcome."""
        threading.Thread(target=self.work, name="web-import", daemon=True).start()
        shown = -1
        while True:
            kind, value = self.events.get()
            if kind != "read":
                yield self._outcome(kind, value)
                return
            done, total = value
            percent = done * 100 // total if total else 100
            if percent != shown:
                shown = percent
                yield self._reading(percent)

    def _reading(self, percent: int) -> str:
        gettext = self.page.gettext
        if percent == 100:
            return Markup("<p>{}</p>").format(gettext("File read. Checking for duplicates and saving…"))
        said = gettext("Read %(percent)s%% of the file") % {"percent": percent}
        return Markup('<p><progress max="100" value="{0}">{0}%</progress> {1}</p>').format(percent, said)

    def _outcome(self, kind: str, value: Any) -> str:
        gettext = self.page.gettext
        if kind == "done":
            batch_id, again = value
            result = gettext("See the result")
            if again:
                said = gettext("This file was imported into this pool before: nothing was imported again.")
                return Markup('<p>{0} <a href="/imports/{1}">{2}</a></p>').format(said, batch_id, result)
            # app.js opens the result once the page is complete; the link serves browsers without it.
            finished = gettext("Import finished.")
            return Markup('<p>{0} <a href="/imports/{1}" data-open>{2}</a></p>').format(
                finished, batch_id, result
            )
        said = value if kind == "refused" else gettext("The import failed; nothing was imported.")
        retry = gettext("Choose another file")
        return Markup('<p class="error">{0} <a href="/import?pool={1}">{2}</a></p>').format(
            said, self.pool_id, retry
        )


def _possible_duplicates(page: Page, batch: ImportBatch) -> list[dict[str, Any]]:
    """The imported customers whose company comes close to another's the reader may see, for a
    person to decide."""
    imported, existing = aliased(Customer), aliased(Customer)
    rows = page.session.execute(
        select(ImportIssue.row_number, ImportIssue.score, imported, existing)
        .join(imported, imported.id == ImportIssue.customer_id)
        .join(existing, existing.id == ImportIssue.existing_customer_id)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind == IssueKind.POSSIBLE_DUPLICATE)
        .order_by(ImportIssue.row_number, ImportIssue.id)
        .limit(REVIEW_LIMIT)
    )
    return [
        {
            "row": row,
            "score": score,
            "imported": new,
            "other": old,
            "where": where_it_is(page.session, page.me, old, page.gettext),
        }
        for row, score, new, old in rows
        if can(page.session, page.me, Action.VIEW, old)
    ]


@router.get("/imports/{batch_id}")
def import_result(batch_id: IdPath, page: SignedIn) -> Response:
    batch = get_batch(page.session, page.me, batch_id)
    rows = report_rows(page.session, page.me, batch, page.gettext)
    with closing(rows):  # the first rows only: the report has them all
        issues = [
            {"row": row, "column": column, "result": page.gettext(RESULTS[IssueKind(kind)]), "reason": reason}
            for row, column, kind, reason in islice(rows, REVIEW_LIMIT)
        ]
    return page.render(
        "import_result.html",
        batch=batch,
        pool=get_pool(page.session, batch.pool_id),
        issues=issues,
        review=_possible_duplicates(page, batch),
        review_limit=REVIEW_LIMIT,
    )


@router.get("/imports/{batch_id}/report")
def import_report(batch_id: IdPath, page: SignedIn, lang: Lang | None = None) -> Response:
    """The report in the page's language, or the one asked for (``?lang=en``)."""
    batch = get_batch(page.session, page.me, batch_id)
    gettext = translations(lang or page.lang).gettext
    return download(
        lambda out: write_report(page.session, page.me, batch, out, gettext),
        f"import-{batch.id}-report.csv",
        CSV,
    )


def _distributor(page: Page) -> list[Pool]:
    """The pools this user may hand out customers from; nobody else may open the page."""
    pools = pools_for(page.session, page.me, Action.DISTRIBUTE)
    if not pools:
        raise errors.Forbidden("batch distribution is for managers, pool admins and admins")
    return pools


def _administered(page: Page, pools: list[Pool]) -> list[int]:
    return [p.id for p in pools if is_pool_admin(page.session, page.me, p.id)]


def _render_distribute(page: Page, status: int = 200, **context: Any) -> Response:
    me, session = page.me, page.session
    pools = _distributor(page)
    values: dict[str, Any] = {
        "pools": pools,
        # Whoever the viewer may hand customers to, with their load: the users they manage and the
        # members of the pools they administer; never the viewer (that would be a claim).
        "team": [
            row for row in team_load(session, me, pool_ids=_administered(page, pools)) if row.user.id != me.id
        ],
        "grades": GRADES,
        "strategies": STRATEGIES,
        "result": None,
        "error": None,
        "users": user_names(session),
    }
    blank = {"pool": None, "count": "", "strategy": Strategy.ROUND_ROBIN.value, "grade": "", "region": ""}
    values["draft"] = blank | {"source": "", "user_ids": set()} | context.pop("draft", {})
    return page.render("distribute.html", status=status, **(values | context))


@router.get("/distribute")
def distribute_page(page: SignedIn, pool: str | None = None) -> Response:
    draft: dict[str, Any] = {
        "pool": optional_int(pool, "pool", 1),
        "strategy": Strategy.ROUND_ROBIN.value,
        "user_ids": set(),
    }
    return _render_distribute(page, draft=draft)


@router.post("/distribute", dependencies=[CsrfChecked])
def distribute_customers(
    page: SignedIn,
    pool: Annotated[str, Form()],
    count: Annotated[str, Form()],
    strategy: Annotated[str, Form()] = Strategy.ROUND_ROBIN.value,
    grade: Annotated[str, Form()] = "",
    region: Annotated[str, Form(max_length=100)] = "",
    source: Annotated[str, Form(max_length=100)] = "",
    user_ids: TextList = [],  # noqa: B006
) -> Response:
    draft = {
        "pool": optional_int(pool, "pool", 1),
        "count": count,
        "strategy": strategy,
        "grade": grade,
        "region": region,
        "source": source,
        "user_ids": {optional_int(u, "user_ids", 1) for u in user_ids},
    }

    def attempt() -> Response:
        if strategy not in STRATEGIES:
            raise errors.InvalidInput("strategy", "must be round_robin or least_loaded")
        result = distribute(
            page.session,
            page.me,
            required_int(pool, "pool", 1),
            [required_int(u, "user_ids", 1) for u in user_ids],
            required_int(count, "count", 1),
            Strategy(strategy),
            grade=grade if grade in GRADES else None,
            region=optional_text(region),
            source=optional_text(source),
        )
        return _render_distribute(page, draft=draft, result=result)

    return _or_refusal(
        page, attempt, lambda status, error: _render_distribute(page, status=status, draft=draft, error=error)
    )
