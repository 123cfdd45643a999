"""The carrier at the table: places opened by the quorum, the carrier's statements, their
approval and publication, deadlines and disputes. (Filled by issue 19's work.)"""

import datetime

from django.contrib.auth.base_user import AbstractBaseUser

from complaints.models import CarrierCase, CarrierStatement


def open_places(*, now: datetime.datetime | None = None) -> list[CarrierCase]:
    """Open every place that reached the quorum for a carrier; one mail per carrier."""
    raise NotImplementedError


def check_disputes(*, now: datetime.datetime | None = None) -> list[CarrierCase]:
    """Reopen places reported fixed that reports or answers since contradict."""
    raise NotImplementedError


def statement_submit(
    *,
    case: CarrierCase,
    user: AbstractBaseUser,
    status: str,
    due_date: datetime.date | None,
    text: str,
) -> CarrierStatement:
    """A carrier's answer for one of its opened places: pending approval, or published at
    once where the carrier's profile allows it. ValueError when it is not allowed."""
    raise NotImplementedError


def statement_approve(*, statement: CarrierStatement, user: AbstractBaseUser) -> None:
    raise NotImplementedError


def statement_reject(*, statement: CarrierStatement, user: AbstractBaseUser, note: str) -> None:
    raise NotImplementedError
