import datetime

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from complaints.models import (
    CampaignUpdate,
    Complaint,
    Frequency,
    ProblemType,
    Status,
    Technology,
)
from complaints.places import matching
from complaints.places.names import name_key
from complaints.privacy.redaction import redact


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint
        skip_postgeneration_save = True

    carrier = factory.LazyFunction(lambda: next(iter(settings.EINZELFALL_CARRIERS)))
    city = "Hamburg"
    district = "Altona"
    # Keyed and matched as the submit service would key and match the texts.
    city_key = factory.LazyAttribute(lambda c: name_key(c.city))
    city_place_id = factory.LazyAttribute(
        lambda c: matching.match(c.city, c.district, c.postal_code).city_id
    )
    district_place_id = factory.LazyAttribute(
        lambda c: matching.match(c.city, c.district, c.postal_code).district_id
    )
    postal_code = ""
    description = ""
    email = ""
    # Redacted as the submit service redacts.
    description_redacted = factory.LazyAttribute(lambda c: redact(c.description, c.email))
    technology = Technology.G4
    frequency = Frequency.DAILY
    submitted_at = factory.LazyFunction(timezone.now)
    consent_at = factory.SelfAttribute("submitted_at")
    privacy_policy_version = "2026-11-01"
    status = Status.PENDING
    moderated_at = factory.LazyAttribute(
        lambda c: (
            None if c.status == Status.PENDING else c.submitted_at + datetime.timedelta(hours=1)
        )
    )

    @factory.post_generation
    def problems(self, create, extracted, **kwargs):
        if not create:
            return
        slugs = extracted if extracted is not None else ["no-data"]
        self.problems.set(ProblemType.objects.filter(slug__in=slugs))


class CampaignUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignUpdate

    title = factory.Sequence(lambda n: f"Update {n}")
    body = "Wir haben **8.000** Meldungen gezählt."
    is_published = True
    published_at = factory.LazyFunction(timezone.now)
