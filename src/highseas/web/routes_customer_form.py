"""Entering a customer by hand and correcting one: the same form, the same checks as the API
(dedup, capacity, who may edit), with what was typed kept on the page when the rules refuse."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response
from sqlalchemy import select

from highseas import errors
from highseas.api.deps import IdPath
from highseas.auth.permissions import Action, can
from highseas.customers import service
from highseas.customers.models import GRADES
from highseas.ownership import service as ownership
from highseas.pools.models import Pool
from highseas.pools.queries import member_pool_ids
from highseas.refusals import audit_refusal
from highseas.web.context import CsrfChecked, Page, SignedIn
from highseas.web.format import STAGES
from highseas.web.forms import optional_int, optional_text

router = APIRouter()


@dataclass
class CustomerForm:
    """The customer form as typed; blank fields are "not given"."""

    name: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    wechat: str = ""
    credit_code: str = ""
    grade: str = ""
    stage: str = "lead"
    region: str = ""
    industry: str = ""
    source: str = ""

    def to_input(self) -> service.CustomerInput:
        return service.CustomerInput(
            name=self.name.strip(),
            company=optional_text(self.company),
            phone=optional_text(self.phone),
            email=optional_text(self.email),
            wechat=optional_text(self.wechat),
            credit_code=optional_text(self.credit_code),
            grade=optional_text(self.grade),
            stage=self.stage,
            region=optional_text(self.region),
            industry=optional_text(self.industry),
            source=optional_text(self.source),
        )

    def changes(self) -> dict[str, object]:
        """The edited fields only: tags and custom fields are not on this form and stay as they are."""
        typed = asdict(self.to_input())
        return {name: typed[name] for name in CustomerForm.__dataclass_fields__}


def _posted_customer(
    name: Annotated[str, Form(max_length=200)] = "",
    company: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=50)] = "",
    email: Annotated[str, Form(max_length=200)] = "",
    wechat: Annotated[str, Form(max_length=100)] = "",
    credit_code: Annotated[str, Form(max_length=50)] = "",
    grade: Annotated[str, Form(max_length=5)] = "",
    stage: Annotated[str, Form(max_length=20)] = "lead",
    region: Annotated[str, Form(max_length=100)] = "",
    industry: Annotated[str, Form(max_length=100)] = "",
    source: Annotated[str, Form(max_length=100)] = "",
) -> CustomerForm:
    return CustomerForm(
        name, company, phone, email, wechat, credit_code, grade, stage, region, industry, source
    )


PostedCustomer = Annotated[CustomerForm, Depends(_posted_customer)]


def _member_pools(page: Page) -> list[Pool]:
    ids = member_pool_ids(page.session, page.me)
    return list(page.session.scalars(select(Pool).where(Pool.id.in_(ids)).order_by(Pool.id)))


def _render(
    page: Page,
    form: CustomerForm,
    *,
    customer_id: int | None = None,
    problem: str | None = None,
    **extra: object,
) -> Response:
    return page.render(
        "customer_form.html",
        status=400 if problem else 200,
        form=form,
        customer_id=customer_id,
        problem=problem,
        grades=GRADES,
        stages=STAGES,
        **extra,
    )


def _refused(page: Page, exc: errors.DomainError) -> str:
    # Nothing the refused service flushed may reach the commit at the end of the request.
    page.session.rollback()
    audit_refusal(page.request, exc)
    return page.fmt.error(exc)


@router.get("/customers/new")
def new_customer(page: SignedIn) -> Response:
    return _render(page, CustomerForm(), pools=_member_pools(page), keep="mine", pool_id=None)


@router.post("/customers/new", dependencies=[CsrfChecked])
def create_customer(
    page: SignedIn,
    form: PostedCustomer,
    keep: Annotated[str, Form()] = "mine",
    pool_id: Annotated[str, Form()] = "",
) -> Response:
    in_pool = keep == "pool"
    try:
        customer = service.create_customer(
            page.session,
            page.me,
            form.to_input(),
            pool_id=optional_int(pool_id, "pool_id", 1),
            in_pool=in_pool,
        )
    except errors.NotFound:
        raise
    except errors.DomainError as exc:
        chosen = int(pool_id) if pool_id.isdigit() else None
        problem = _refused(page, exc)
        return _render(page, form, problem=problem, pools=_member_pools(page), keep=keep, pool_id=chosen)
    message = page.gettext("Customer saved.")
    return page.redirect(f"/customers/{customer.id}", page.done(message))


@router.get("/customers/{customer_id}/edit")
def edit_customer(customer_id: IdPath, page: SignedIn) -> Response:
    customer = ownership.get_customer(page.session, page.me, customer_id)
    if not can(page.session, page.me, Action.EDIT, customer):
        raise errors.Forbidden("you may not edit this customer")
    stored = {name: getattr(customer, name) or "" for name in CustomerForm.__dataclass_fields__}
    form = CustomerForm(**(stored | {"stage": customer.stage.value}))
    return _render(page, form, customer_id=customer_id)


@router.post("/customers/{customer_id}/edit", dependencies=[CsrfChecked])
def save_customer(customer_id: IdPath, page: SignedIn, form: PostedCustomer) -> Response:
    try:
        service.update_customer(page.session, page.me, customer_id, form.changes())
    except errors.NotFound:
        raise
    except errors.DomainError as exc:
        return _render(page, form, customer_id=customer_id, problem=_refused(page, exc))
    return page.redirect(f"/customers/{customer_id}", page.done(page.gettext("Customer saved.")))
