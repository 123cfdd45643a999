"""Open311's withdrawn.json (an extension, docs/open311.md): the published reports a
carrier's mirror must drop, deleted by their submitters or taken out of publication by a
moderation decision; this carrier's only, dated by day."""

import datetime
import json

import pytest
from django.db import transaction
from django.utils import timezone

from complaints import services
from complaints.carrier.open311 import keys
from complaints.models import Complaint, Status, WithdrawnReport

from .factories import ComplaintFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/open311/v2/withdrawn"


def pulled(client, key, fmt="json", **params):
    return client.get(f"{URL}.{fmt}", params, HTTP_AUTHORIZATION=f"Bearer {key}")


def test_deleted_and_unpublished_reports_are_listed_for_their_carrier_only(client):
    telekom = keys.make(carrier="telekom", name="job").secret
    o2 = keys.make(carrier="o2", name="job").secret
    deleted, hidden, kept = ComplaintFactory.create_batch(
        3, carrier="telekom", status=Status.PUBLISHED
    )
    never = ComplaintFactory(carrier="telekom", status=Status.PENDING)
    with transaction.atomic():
        services.complaint_delete(complaint=deleted)
        services.complaint_delete(complaint=never)  # never published: nothing to drop
    services.complaints_moderate(
        complaints=Complaint.objects.filter(pk=hidden.pk),
        status=Status.SPAM,
        moderator=UserFactory(is_staff=True),
    )
    assert WithdrawnReport.objects.get().pseudonym == deleted.pseudonym
    data = json.loads(pulled(client, telekom).content)["withdrawn"]
    assert {r["service_request_id"] for r in data} == {deleted.pseudonym, hidden.pseudonym}
    today = timezone.localdate()
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    assert {r["withdrawn_datetime"] for r in data} == {midnight.isoformat()}
    assert kept.pseudonym not in {r["service_request_id"] for r in data}
    # By day, inclusive; another carrier sees none of them.
    since_today = json.loads(pulled(client, telekom, since=today.isoformat()).content)
    assert len(since_today["withdrawn"]) == 2
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert json.loads(pulled(client, telekom, since=tomorrow).content)["withdrawn"] == []
    assert json.loads(pulled(client, o2).content)["withdrawn"] == []
    assert deleted.pseudonym.encode() in pulled(client, telekom, "xml").content
    # Without a key, or with a bad since: an Open311 error, never a 500.
    assert client.get(f"{URL}.json").status_code == 401
    assert pulled(client, telekom, since="gestern").status_code == 400


def test_a_published_report_deleted_in_the_back_office_is_withdrawn_too(admin_client):
    one, two, _kept = ComplaintFactory.create_batch(3, carrier="o2", status=Status.PUBLISHED)
    pending = ComplaintFactory(carrier="o2", status=Status.PENDING)
    # One by one (the list offers no bulk delete): published or not.
    for complaint in (one, two, pending):
        answer = admin_client.post(
            f"/admin/complaints/complaint/{complaint.pk}/delete/", {"post": "yes"}
        )
        assert answer.status_code == 302
    assert not Complaint.objects.filter(pk__in=[one.pk, two.pk, pending.pk]).exists()
    withdrawn = set(WithdrawnReport.objects.values_list("pseudonym", "carrier"))
    assert withdrawn == {(one.pseudonym, "o2"), (two.pseudonym, "o2")}
