"""Requests a carrier's mirror must drop (docs/open311.md, an extension of GeoReport v2):
published reports their submitters deleted (WithdrawnReport, written by complaint_delete)
and reports that a moderation decision took out of publication (read from the decisions, not
recorded apart: a decision or its undo that leaves a once-published report unpublished counts,
whichever path made it).

Dated by DAY, as updated_datetime is: the moment would tell when a moderator or the submitter
acted. `since` compares by day, inclusive.
"""

import datetime

from django.db.models import Max, Q

from complaints.models import Complaint, Status, WithdrawnReport


def withdrawn(carrier: str, since: datetime.datetime | None) -> list[tuple[str, datetime.datetime]]:
    """(pseudonym, when) of the carrier's withdrawn requests, oldest first."""
    deleted = WithdrawnReport.objects.filter(carrier=carrier)
    if since is not None:
        deleted = deleted.filter(withdrawn_at__gte=since)
    found = dict(deleted.order_by("withdrawn_at").values_list("pseudonym", "withdrawn_at"))
    hidden = (
        Complaint.objects.filter(carrier=carrier)
        .exclude(status=Status.PUBLISHED)
        .filter(
            Q(decisions__status=Status.PUBLISHED) | Q(decisions__status_before=Status.PUBLISHED)
        )
        .annotate(last=Max("decisions__decided_at"))
    )
    if since is not None:
        hidden = hidden.filter(last__gte=since)
    for pseudonym, last in hidden.values_list("pseudonym", "last"):
        found[pseudonym] = max(last, found.get(pseudonym, last))
    return sorted(found.items(), key=lambda item: (item[1], item[0]))
