"""Fraud forensics: bursts of reports from one network, one email domain, or with
near-identical descriptions, within a short window (README: bursts).

STUB written by the lead: the API below is the contract; the forensics helper fills it in."""

from dataclasses import dataclass

from django.db.models import QuerySet

from complaints.models import Complaint


@dataclass(frozen=True)
class Burst:
    kind: str  # "network" | "domain" | "text"
    label: str  # what the moderator reads, e.g. "12 reports from one network within 30 minutes"
    size: int  # reports in the burst (all statuses), this one included
    pending: int  # of them still pending


def bursts_of(complaint: Complaint) -> list[Burst]:
    """The bursts this complaint belongs to (empty when none)."""
    return []


def burst_members(complaints: QuerySet[Complaint]) -> set[int]:
    """The ids of those of `complaints` that belong to any burst."""
    return set()
