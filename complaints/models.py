import base64
import html
import re
import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

postal_code_validator = RegexValidator(
    r"^[0-9]{5}\Z",
    message=_("Enter a postal code of five digits, e.g. 10115."),
    code="invalid_postal_code",
)


DESCRIPTION_MAX_LENGTH = 2000
# The redacted text (what the carrier gets): room for redaction's markers and a moderator's
# corrections, and far below the 131,072 characters Python's csv module reads in one field,
# so that no exported cell breaks the carrier's CSV reader.
DESCRIPTION_REDACTED_MAX_LENGTH = 10_000


REFERENCE_BYTES = 24
PSEUDONYM_BYTES = 8


def new_reference() -> str:
    """The submitter's private link token: 192 random bits, URL-safe."""
    return reference_text(secrets.token_bytes(REFERENCE_BYTES))


def reference_text(random_bytes: bytes) -> str:
    """A reference made of REFERENCE_BYTES random bytes (what secrets.token_urlsafe does)."""
    return base64.urlsafe_b64encode(random_bytes).rstrip(b"=").decode("ascii")


# What a spreadsheet reads as a number: digits, possibly with one "e" exponent ("123e45"
# becomes 1.23e+47; hex digits have no other letter a number could hold).
_NUMBER_LIKE = re.compile(r"[0-9]*[eE]?[0-9]+")


def reads_as_number(text: str) -> bool:
    """Whether a spreadsheet opening a CSV would turn this text into a number."""
    return _NUMBER_LIKE.fullmatch(text) is not None


def new_pseudonym() -> str:
    """The export identifier: random and independent of the reference, so an export row
    cannot be linked back to the private link. Never a text a spreadsheet reads as a number
    (digits only, or digits with one "e": it would lose digits); about 1 in 700 draws of
    16 hex digits would be."""
    while True:
        pseudonym = pseudonym_text(secrets.token_bytes(PSEUDONYM_BYTES))
        if not reads_as_number(pseudonym):
            return pseudonym


def pseudonym_text(random_bytes: bytes) -> str:
    """A pseudonym made of PSEUDONYM_BYTES random bytes (what secrets.token_hex does)."""
    return random_bytes.hex()


class NamedInTwoLanguages:
    """A list entry the organizer names in German (name_de) and English (name_en)."""

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (German unless English is active)."""
        return self.name_en if (get_language() or "de").startswith("en") else self.name_de


class ProblemType(NamedInTwoLanguages, models.Model):
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name_de = models.CharField(_("name (German)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive problem types are not offered in the form."),
    )

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("problem type")
        verbose_name_plural = _("problem types")


class RejectionReason(NamedInTwoLanguages, models.Model):
    """Why a report was rejected: the organizer's list; every rejection records one."""

    name_de = models.CharField(_("name (German)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=100,
        help_text=_("The first nine active reasons get the keys 1 to 9 at the desk."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive reasons are not offered any more.")
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")


class Place(models.Model):
    """A city (municipality) or one of its districts, from the gazetteer or the organizer."""

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        DISTRICT = "district", _("district")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="districts",
        help_text=_("The city a district belongs to."),
    )
    state = models.CharField(_("state"), max_length=40, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # The official municipality key (Amtlicher Gemeindeschlüssel, 8 digits) where the place
    # data has it; a district carries its city's.
    ags = models.CharField(
        _("municipality key (AGS)"),
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{8}$", _("Eight digits."))],
    )
    geonames_id = models.PositiveIntegerField(_("GeoNames id"), null=True, blank=True)
    # When the place was last saved: the open data files are dated by it (Last-Modified), as
    # an edited key or name changes them. Bulk writes set it themselves.
    changed_at = models.DateTimeField(auto_now=True, null=True, editable=False)
    # Where the place came from ("gn:<geonameid>", "plz:<state>:<name>", "sup:<city>:<name>"),
    # so that load_places updates instead of duplicating; empty for places made by hand.
    source_key = models.CharField(max_length=120, blank=True, editable=False)
    # Set when the organizer edits the place: load_places then keeps its name, kind and city.
    edited = models.BooleanField(
        _("edited by the organizer"),
        default=False,
        help_text=_("Reloading the gazetteer keeps the name, kind and city of an edited place."),
    )
    # A merged place stays as a tombstone so that reloading the gazetteer does not bring it
    # back; its names, districts and complaints belong to the target.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.UniqueConstraint(
                fields=["source_key"], condition=~Q(source_key=""), name="place_source_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="city", parent__isnull=True)
                | Q(kind="district", parent__isnull=False),
                name="place_district_has_city",
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.DISTRICT and self.parent_id:
            return f"{self.parent.name}, {self.name}"
        return self.name


class PlaceAlias(models.Model):
    """Another name of a place: from the data set, or learned when a moderator assigns a
    name that did not match."""

    class Source(models.TextChoices):
        GAZETTEER = "gazetteer", _("gazetteer")
        MANUAL = "manual", _("assigned by a moderator")

    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("name"), max_length=200)
    key = models.CharField(_("matching key"), max_length=200, editable=False)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(fields=["place", "key"], name="placealias_unique_per_place")
        ]
        indexes = [models.Index(fields=["key"], name="placealias_key_idx")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        from complaints.places.names import name_key

        self.key = name_key(self.name)
        super().save(*args, **kwargs)


class PostalCode(models.Model):
    """Which city a German postal code (PLZ) belongs to; some codes cover several."""

    code = models.CharField(_("postal code"), max_length=5)
    place = models.ForeignKey(
        Place, verbose_name=_("city"), on_delete=models.CASCADE, related_name="postal_codes"
    )

    class Meta:
        verbose_name = _("postal code")
        verbose_name_plural = _("postal codes")
        constraints = [models.UniqueConstraint(fields=["code", "place"], name="postalcode_unique")]

    def __str__(self):
        return self.code


class Status(models.TextChoices):
    PENDING = "pending", _("pending")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")
    SPAM = "spam", _("spam")


class Technology(models.TextChoices):
    G2 = "2g", _("2G (GSM/EDGE)")
    G3 = "3g", _("3G (UMTS)")
    G4 = "4g", _("4G (LTE)")
    G5 = "5g", _("5G")
    UNKNOWN = "unknown", _("I don't know")


class Frequency(models.TextChoices):
    ALWAYS = "always", _("always")
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")
    RARELY = "rarely", _("rarely")


class Location(models.TextChoices):
    INDOOR = "indoor", _("indoors")
    OUTDOOR = "outdoor", _("outdoors")
    BOTH = "both", _("indoors and outdoors")
    MOVING = "moving", _("on the move (train, car)")


class FollowupAnswer(models.TextChoices):
    """The submitter's answer, weeks later, to "has it improved?"."""

    IMPROVED = "improved", _("improved")
    UNCHANGED = "unchanged", _("unchanged")
    WORSE = "worse", _("worse")


FOLLOWUP_COMMENT_MAX_LENGTH = 1000

# Statuses that the public counter does not count.
NOT_COUNTED = (Status.REJECTED, Status.SPAM)
# What a person reports, whichever door it comes through (the form, an import of old data).
REPORT_FIELDS = (
    "carrier",
    "problems",
    "city",
    "district",
    "postal_code",
    "technology",
    "frequency",
    "since",
    "location",
    "description",
    "email",
)


class ComplaintQuerySet(models.QuerySet):
    def counted(self):
        """Complaints the public counter counts: everything not rejected or spam."""
        return self.exclude(status__in=NOT_COUNTED)

    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for complaint in objs:
            complaint.fill_observed_at()
        return super().bulk_create(objs, *args, **kwargs)


class Complaint(models.Model):
    reference = models.CharField(
        _("private reference"), max_length=64, unique=True, default=new_reference, editable=False
    )
    pseudonym = models.CharField(
        _("pseudonym"), max_length=32, unique=True, default=new_pseudonym, editable=False
    )
    carrier = models.CharField(_("carrier"), max_length=40)
    problems = models.ManyToManyField(ProblemType, verbose_name=_("problems"), related_name="+")
    # The linked problems' ids, ";"-joined in ascending order: kept by database triggers on the
    # links (migration 0026) so the export reads no join. Saving never changes it (a trigger).
    problem_id_list = models.TextField(
        db_column="problem_ids", blank=True, default="", db_default="", editable=False
    )
    # City and district exactly as typed (trimmed). Normalized places are separate fields, so
    # matching can be added and re-run without ever losing what the submitter wrote.
    city = models.CharField(_("city"), max_length=100)
    district = models.CharField(_("district"), max_length=100, blank=True)
    # The matching key of the city text (placenames.name_key): groups the spellings of one
    # unmatched name in the admin's queue without computing keys per row there.
    city_key = models.CharField(max_length=200, blank=True, editable=False)
    # The places the raw text was matched to; empty when it matched nothing known
    # ("unmatched": shown in the admin's queue of unmatched place names).
    city_place = models.ForeignKey(
        Place,
        verbose_name=_("matched city"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    district_place = models.ForeignKey(
        Place,
        verbose_name=_("matched district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    postal_code = models.CharField(
        _("postal code"), max_length=5, blank=True, validators=[postal_code_validator]
    )
    technology = models.CharField(
        _("technology"), max_length=10, choices=Technology.choices, default=Technology.UNKNOWN
    )
    # Required on the form; empty only for imported reports whose old form did not ask.
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, blank=True
    )
    since = models.DateField(
        _("since"), null=True, blank=True, help_text=_("First day of the month the problem began.")
    )
    location = models.CharField(_("location"), max_length=10, choices=Location.choices, blank=True)
    # TextField's max_length is only a widget hint: the validator and the constraint enforce it.
    description = models.TextField(
        _("description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)],
    )
    # What exports and the carrier get: the description with personal data replaced
    # (redaction.redact), made at submission and again when the description is edited;
    # moderators may correct it.
    description_redacted = models.TextField(
        _("description (redacted)"),
        max_length=DESCRIPTION_REDACTED_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(DESCRIPTION_REDACTED_MAX_LENGTH)],
        help_text=_("The only version of the description that is ever exported."),
    )
    # Set once a person has corrected the redacted text: from then on it is never made anew
    # from the original (that would put back what the person removed); automatic redaction
    # may only remove more from it.
    description_redacted_by_hand = models.BooleanField(
        _("redacted description corrected by hand"), default=False, editable=False
    )
    email = models.EmailField(_("email"), blank=True)
    # When the submitter confirmed the email address with the link we mailed (double opt-in).
    email_confirmed_at = models.DateTimeField(
        _("email confirmed at"), null=True, blank=True, editable=False
    )
    # A keyed hash of the sender's address, changing daily (abuse.ip_hash): for the duplicate
    # check; dropped after IP_HASH_RETENTION_DAYS. Never the address itself.
    ip_hash = models.CharField(_("address hash"), max_length=64, blank=True, editable=False)
    # Set at submission when an earlier complaint (last 24 hours) came from the same email, or
    # from the same address with the same city and problems. The moderator decides.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported = models.BooleanField(
        _("imported"), default=False, help_text=_("Collected elsewhere and imported.")
    )
    # "Ask me in a few weeks whether it has improved": one mail (manage.py send_followups) to
    # a confirmed address, never twice (followup_sent_at is claimed before the mail goes out).
    followup_consent = models.BooleanField(_("follow-up wanted"), default=False)
    followup_sent_at = models.DateTimeField(
        _("follow-up sent at"), null=True, blank=True, editable=False
    )
    # Mails that failed (the address refused): retried by later runs, given up after a few.
    followup_failures = models.PositiveSmallIntegerField(
        _("follow-up mails failed"), default=0, editable=False
    )
    followup_answer = models.CharField(
        _("follow-up answer"), max_length=10, choices=FollowupAnswer.choices, blank=True
    )
    followup_answered_at = models.DateTimeField(
        _("follow-up answered at"), null=True, blank=True, editable=False
    )
    # Free text like the description: personal data possible, never published or exported,
    # blanked by purge_personal_data.
    followup_comment = models.TextField(
        _("follow-up comment"),
        blank=True,
        validators=[MaxLengthValidator(FOLLOWUP_COMMENT_MAX_LENGTH)],
    )
    followup_unsubscribed_at = models.DateTimeField(
        _("follow-up unsubscribed at"), null=True, blank=True, editable=False
    )
    language = models.CharField(
        _("language"), max_length=10, default="de", help_text=_("Language of the form.")
    )
    consent_at = models.DateTimeField(_("consent given at"))
    privacy_policy_version = models.CharField(_("privacy policy version"), max_length=40)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    # When the person made the report, by the phone's clock (checked at intake: not in the
    # future, at most OFFLINE_REPORT_MAX_AGE old); the evaluation counts by it. Left empty it
    # is the arrival (fill_observed_at), as for every report made online or imported.
    observed_at = models.DateTimeField(_("made at"), blank=True, editable=False)
    # Made by the browser for each report: a report sent twice (a flaky connection, two tabs,
    # the offline queue retrying) is stored once.
    client_id = models.UUIDField(_("client id"), null=True, blank=True, unique=True, editable=False)
    made_offline = models.BooleanField(
        _("made offline"),
        default=False,
        editable=False,
        help_text=_("Made on the phone without a connection and sent later."),
    )

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True, editable=False)
    moderation_note = models.TextField(
        _("moderation note"),
        blank=True,
        help_text=_("Internal; never shown publicly or exported."),
    )
    rejection_reason = models.ForeignKey(
        RejectionReason,
        verbose_name=_("rejection reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The automatic rule that decided, when no person did (moderated_by is then empty).
    moderated_by_rule = models.CharField(
        _("decided by the rule"), max_length=100, blank=True, editable=False
    )
    # Fraud forensics, made at submission like ip_hash (keyed hashes that change daily, dropped
    # with it): the sender's network (IPv4 /24, IPv6 /64) and email domain, and the redacted
    # description reduced to its words, so that bursts of reports can be grouped without
    # keeping an address, a domain or a text.
    network_hash = models.CharField(max_length=64, blank=True, editable=False)
    email_domain_hash = models.CharField(max_length=64, blank=True, editable=False)
    description_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # The moderation desk's short claim: two moderators never get the same report.
    desk_claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    desk_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        permissions = [
            ("view_personal_data", _("Can see submitters' email, reference and raw data")),
            # The codes django-import-export checks (IMPORT_EXPORT_*_PERMISSION_CODE).
            ("export_complaint", _("Can download the carrier exports")),
            ("import_complaint", _("Can import complaints")),
        ]
        indexes = [
            # The moderation queue: one status, newest first.
            models.Index(fields=["status", "-submitted_at"], name="complaint_queue_idx"),
            # The desk and the queue: pending reports, oldest first.
            models.Index(
                fields=["submitted_at", "id"],
                name="complaint_pending_idx",
                condition=Q(status="pending"),
            ),
            # Bursts: reports of one network, email domain or text within a short window.
            *(
                models.Index(
                    fields=[field, "submitted_at"],
                    name=f"complaint_{short}_burst_idx",
                    condition=~Q(**{field: ""}),
                )
                for field, short in [
                    ("network_hash", "network"),
                    ("email_domain_hash", "domain"),
                    ("description_fingerprint", "text"),
                ]
            ),
            models.Index(fields=["submitted_at"], name="complaint_submitted_idx"),
            # The duplicate check at submission: same email or same address hash, last day.
            models.Index(
                Lower("email"),
                "submitted_at",
                name="complaint_email_idx",
                condition=~Q(email=""),
            ),
            models.Index(
                fields=["ip_hash", "submitted_at"],
                name="complaint_ip_hash_idx",
                condition=~Q(ip_hash=""),
            ),
            # Per-city counts only ever look at published complaints.
            models.Index(
                fields=["city_place", "district_place"],
                name="complaint_pub_place_idx",
                condition=Q(status="published"),
            ),
            # The evaluation's follow-up answers: few rows among many, grouped by place.
            models.Index(
                fields=["city_place", "district_place", "followup_answer"],
                name="complaint_answers_idx",
                condition=Q(status="published") & ~Q(followup_answer=""),
            ),
            # send_followups: the few complaints still waiting for their follow-up mail.
            models.Index(
                fields=["submitted_at"],
                name="complaint_followup_due_idx",
                condition=Q(followup_consent=True, followup_sent_at=None)
                & ~Q(email="")
                & Q(email_confirmed_at__isnull=False),
            ),
            # The queue of unmatched place names groups unmatched complaints by city key.
            models.Index(
                fields=["city_key"], name="complaint_unmatched_idx", condition=Q(city_place=None)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="complaint_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(technology__in=Technology.values), name="complaint_technology_valid"
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=[*Frequency.values, ""]),
                name="complaint_frequency_valid",
            ),
            models.CheckConstraint(
                condition=Q(location__in=[*Location.values, ""]), name="complaint_location_valid"
            ),
            models.CheckConstraint(condition=~Q(city=""), name="complaint_city_not_empty"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_MAX_LENGTH),
                name="complaint_description_max_length",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(
                    Length("description_redacted"), DESCRIPTION_REDACTED_MAX_LENGTH
                ),
                name="complaint_description_redacted_max_length",
            ),
            models.CheckConstraint(
                condition=Q(followup_answer__in=[*FollowupAnswer.values, ""]),
                name="complaint_followup_answer_valid",
            ),
            # A moderated complaint always says who moderated it and when.
            models.CheckConstraint(
                condition=Q(status="pending") | Q(moderated_at__isnull=False),
                name="complaint_moderation_recorded",
            ),
            # A reason belongs to a rejection only.
            models.CheckConstraint(
                condition=Q(status="rejected") | Q(rejection_reason__isnull=True),
                name="complaint_reason_only_rejected",
            ),
        ]

    def __str__(self):
        # Only the number: the admin keeps this text in its history (LogEntry.object_repr)
        # beyond a purge, and city and district are free text the submitter typed.
        return f"#{self.pk}"

    def save(self, *args, **kwargs):
        self.fill_observed_at()
        super().save(*args, **kwargs)

    def fill_observed_at(self):
        """Made when it arrived, unless the phone said otherwise (set before saving)."""
        if self.observed_at is None:
            self.observed_at = self.submitted_at

    # Deliberately no get_absolute_url(): Django's admin would then redirect any staff user
    # (/admin/r/<type>/<id>/) to the submitter's private link.
    def private_url(self) -> str:
        """The submitter's private link (the thanks page): only for the submitter."""
        return reverse("complaints:thanks", args=[self.reference])

    @property
    def is_counted(self) -> bool:
        return self.status not in NOT_COUNTED

    @property
    def carrier_name(self) -> str:
        return carrier_name(self.carrier)


class ModerationDecision(models.Model):
    """One decision on a report, by a person (desk, list, page) or by an automatic rule:
    what it was before and after, so that the desk can undo it and the organizer count it."""

    class Via(models.TextChoices):
        DESK = "desk", _("desk")
        LIST = "list", _("list")
        PAGE = "page", _("report's page")
        BURST = "burst", _("burst")
        RULE = "rule", _("automatic rule")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="decisions"
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now, db_index=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.CharField(_("rule"), max_length=100, blank=True)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.ForeignKey(
        RejectionReason,
        verbose_name=_("rejection reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What the decision replaced, for undo.
    status_before = models.CharField(max_length=10, choices=Status.choices)
    reason_before = models.ForeignKey(
        RejectionReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_by_before = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_by_rule_before = models.CharField(max_length=100, blank=True)
    moderated_at_before = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        indexes = [
            # The desk's undo: a moderator's latest decision not undone.
            models.Index(
                fields=["moderator", "-decided_at"],
                name="decision_undo_idx",
                condition=Q(undone_at__isnull=True),
            ),
            # What each auto-publish rule has decided (its count in the rules' list).
            models.Index(fields=["rule"], name="decision_rule_idx", condition=~Q(rule="")),
        ]

    def __str__(self):
        return f"#{self.complaint_id}: {self.get_status_display()}"


class AutoPublishRule(models.Model):
    """Publishes, without a person reading it, what needs no reading (manage.py auto_publish).
    Off by default: the organizer makes and switches on a rule. Every condition that is set
    must hold."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=False)
    min_age_minutes = models.PositiveIntegerField(
        _("older than (minutes)"),
        default=60,
        help_text=_("Only reports submitted at least this long ago, so that a burst can show."),
    )
    without_description = models.BooleanField(_("only without a description"), default=True)
    not_duplicate = models.BooleanField(_("only if not a possible duplicate"), default=True)
    not_in_burst = models.BooleanField(_("only if not in a burst"), default=True)
    only_email_confirmed = models.BooleanField(_("only with a confirmed email"), default=False)
    include_imported = models.BooleanField(_("imported reports too"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("auto-publish rule")
        verbose_name_plural = _("auto-publish rules")

    def __str__(self):
        return self.name


def possibly_duplicate() -> Q:
    """A possible duplicate either way: a report marked as repeating another, or one that
    another is marked as repeating. The queue's filter, the start page's count and the
    auto-publish rules all mean this."""
    originals = Complaint.objects.filter(duplicate_of__isnull=False).values("duplicate_of")
    return Q(duplicate_of__isnull=False) | Q(pk__in=originals)


class UnmatchedPlaceName(Complaint):
    """Complaints seen through their unmatched city names: the admin's queue (no table)."""

    class Meta:
        proxy = True
        verbose_name = _("unmatched place name")
        verbose_name_plural = _("unmatched place names")


class ExportLog(models.Model):
    """One export of complaint data: who, when, what and how much (for the organizer)."""

    class Kind(models.TextChoices):
        ANONYMIZED = "anonymized", _("anonymized rows")
        AGGREGATES = "aggregates", _("aggregates")

    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    via = models.CharField(_("via"), max_length=20, help_text=_("admin or command"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=10)
    dialect = models.CharField(_("dialect"), max_length=20, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    completed = models.BooleanField(_("completed"), default=False)
    # The carrier whose complaints the file held; empty: all carriers (an organizer's export).
    carrier = models.CharField(_("carrier"), max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self):
        return f"{self.get_kind_display()} {self.format} {self.created_at:%Y-%m-%d %H:%M}"


class CampaignUpdate(models.Model):
    """A dated post of the organizer: news of the campaign, or the carrier's response."""

    class Kind(models.TextChoices):
        NEWS = "news", _("campaign update")
        CARRIER_RESPONSE = "carrier-response", _("carrier response")

    # German (the site's default language) and English: either may be left empty, and a page
    # in one language shows the other's text where its own is missing (in_language()).
    title = models.CharField(_("title (German)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    slug = models.SlugField(
        _("address"),
        max_length=220,
        unique=True,
        blank=True,
        help_text=_("Part of the address of the update; made from the title when left empty."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEWS)
    body = models.TextField(
        _("text (German)"),
        blank=True,
        help_text=_(
            "Paragraphs separated by an empty line; **bold**, *italic*, lists with - and "
            "links as [text](https://example.org). HTML tags are removed."
        ),
    )
    body_en = models.TextField(
        _("text (English)"),
        blank=True,
        help_text=_("The same in English; leave empty to show the German text to everyone."),
    )
    # body as HTML, made on save and sanitized (campaign.render_body): what the pages show.
    body_html = models.TextField(editable=False, blank=True)
    body_en_html = models.TextField(editable=False, blank=True)
    # The campaign newsletter (complaints/campaign/newsletter.py): queued by the organizer in
    # the back office, sent by manage.py send_digests to every follower who asked for it.
    newsletter_queued_at = models.DateTimeField(
        _("newsletter queued at"), null=True, blank=True, editable=False
    )
    newsletter_sent_at = models.DateTimeField(
        _("newsletter sent at"), null=True, blank=True, editable=False
    )
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Drafts are not shown on the site.")
    )
    published_at = models.DateTimeField(
        _("date"), default=timezone.now, help_text=_("Shown from this moment on.")
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("campaign update")
        verbose_name_plural = _("campaign updates")
        indexes = [
            models.Index(
                fields=["-published_at"],
                name="update_public_idx",
                condition=Q(is_published=True),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["news", "carrier-response"]),
                name="campaign_update_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(title="", title_en=""), name="campaign_update_has_title"
            ),
        ]

    def __str__(self):
        return self.title or self.title_en

    def save(self, *args, **kwargs):
        from complaints.campaign import markdown as campaign

        self.body_html = campaign.render_body(self.body)
        self.body_en_html = campaign.render_body(self.body_en)
        if not self.slug:
            self.slug = campaign.unique_slug(
                CampaignUpdate,
                self.title or self.title_en,
                timezone.localdate(self.published_at),
                self.pk,
            )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "body_html",
                "body_en_html",
                "slug",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("complaints:update", args=[self.slug])

    def in_language(self, language: str | None = None) -> tuple[str, str, str]:
        """(title, body as HTML, the language they are in) for a page in `language` (the
        active one by default): its own text where written, else the other language's."""
        wanted = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
        german = (self.title, self.body_html, "de")
        english = (self.title_en, self.body_en_html, "en")
        first, second = (english, german) if wanted == "en" else (german, english)
        return first if first[0] else second

    @property
    def text(self) -> str:
        """The text without formatting, in the active language (for a teaser, escaped again
        where it is shown)."""
        return html.unescape(strip_tags(self.in_language()[1]))


class PlaceStatus(models.Model):
    """What has happened at a city or district: the carrier acknowledged the problem,
    planned an expansion, or reports it fixed; dated, with a short public note. A place's
    current status is its latest."""

    class Kind(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("acknowledged by the carrier")
        EXPANSION_PLANNED = "expansion-planned", _("expansion planned")
        REPORTED_FIXED = "reported-fixed", _("reported fixed")

    place = models.ForeignKey(
        Place,
        verbose_name=_("place"),
        on_delete=models.CASCADE,
        related_name="statuses",
        limit_choices_to={"merged_into__isnull": True},
    )
    status = models.CharField(_("status"), max_length=20, choices=Kind.choices)
    # The carrier the status is of; empty: recorded by the organizer for the place as a whole.
    carrier = models.CharField(_("carrier"), max_length=40, blank=True, default="")
    date = models.DateField(_("date"), default=timezone.localdate)
    # When the entry was written (its date may be in the past): what dates the files it changes.
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    note = models.CharField(
        _("public note"),
        max_length=300,
        blank=True,
        help_text=_("Shown on the city page, e.g. where the information comes from."),
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("place status")
        verbose_name_plural = _("place statuses")
        indexes = [models.Index(fields=["place", "-date"], name="place_status_latest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["acknowledged", "expansion-planned", "reported-fixed"]),
                name="place_status_valid",
            )
        ]

    def __str__(self):
        return f"{self.place}: {self.get_status_display()} ({self.date:%d.%m.%Y})"


# -- the carrier at the table (complaints/carrier/) ------------------------------------------


def carrier_name(slug: str) -> str:
    """A carrier's public name (settings.EINZELFALL_CARRIERS), its slug when not configured."""
    return settings.EINZELFALL_CARRIERS.get(slug, slug)


class CarrierAccount(models.Model):
    """The carrier a back-office user speaks for: everything that user reaches holds only
    this carrier's complaints (complaints/carrier/accounts.py). A user in the group Carrier
    without one reaches nothing."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="carrier_account",
    )
    carrier = models.CharField(_("carrier"), max_length=40)

    class Meta:
        verbose_name = _("carrier account")
        verbose_name_plural = _("carrier accounts")

    def __str__(self):
        return f"{self.user} ({carrier_name(self.carrier)})"


class CarrierProfile(models.Model):
    """What the organizer keeps per carrier: whom to write to, and whether its statements
    are published without the organizer's approval."""

    carrier = models.CharField(_("carrier"), max_length=40, unique=True)
    contact_emails = models.TextField(
        _("contact addresses"),
        blank=True,
        help_text=_("One email address per line: they are told when a place is opened."),
    )
    publish_directly = models.BooleanField(
        _("publish statements at once"),
        default=False,
        help_text=_("Statements of this carrier are published without the organizer's approval."),
    )

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self):
        return carrier_name(self.carrier)

    @property
    def contacts(self) -> list[str]:
        return [line.strip() for line in self.contact_emails.splitlines() if line.strip()]


class CarrierCase(models.Model):
    """A place (city or district) opened for a carrier because it reached the quorum: the
    carrier is asked to answer, and what it answers is kept here as its latest published
    statement's status."""

    carrier = models.CharField(_("carrier"), max_length=40)
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.CASCADE, related_name="carrier_cases"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # Published reports of the place for the carrier within the quorum's window at opening.
    opened_count = models.PositiveIntegerField(_("reports at opening"), default=0)
    notified_at = models.DateTimeField(_("carrier notified at"), null=True, blank=True)
    # When the carrier first sent a statement (the response statistics measure this).
    first_answer_at = models.DateTimeField(_("first answer at"), null=True, blank=True)
    # The latest published statement: its status (PlaceStatus.Kind, empty: none yet) and date.
    status = models.CharField(_("status"), max_length=20, blank=True, default="")
    status_at = models.DateTimeField(_("status since"), null=True, blank=True)
    due_date = models.DateField(_("expansion due"), null=True, blank=True)
    # Reopened after "reported fixed": reports or answers since say otherwise (cases.py).
    disputed_at = models.DateTimeField(_("disputed since"), null=True, blank=True)
    dispute_notified_at = models.DateTimeField(_("dispute notified at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("place opened for a carrier")
        verbose_name_plural = _("places opened for carriers")
        permissions = [("answer_carriercase", _("Can answer for the carrier"))]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "place"], name="carrier_case_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["", "acknowledged", "expansion-planned", "reported-fixed"]),
                name="carrier_case_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["carrier", "-opened_at"], name="carrier_case_idx")]

    def __str__(self):
        return f"{self.place} ({carrier_name(self.carrier)})"

    @property
    def carrier_name(self) -> str:
        return carrier_name(self.carrier)

    def is_overdue(self, today=None) -> bool:
        """An expansion planned whose due date has passed without "reported fixed"."""
        today = today or timezone.localdate()
        return (
            self.status == PlaceStatus.Kind.EXPANSION_PLANNED
            and self.due_date is not None
            and self.due_date < today
        )


class CarrierStatement(models.Model):
    """What a carrier answers for one opened place: a status and a public statement, shown
    verbatim, dated and signed with the carrier's name once published (by the organizer's
    approval, or at once where CarrierProfile.publish_directly)."""

    class Review(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("not published")

    case = models.ForeignKey(
        CarrierCase, verbose_name=_("place"), on_delete=models.CASCADE, related_name="statements"
    )
    status = models.CharField(_("status"), max_length=20, choices=PlaceStatus.Kind.choices)
    due_date = models.DateField(
        _("expansion due"),
        null=True,
        blank=True,
        help_text=_("Required for a planned expansion."),
    )
    text = models.TextField(_("public statement"), validators=[MaxLengthValidator(2000)])
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    review = models.CharField(
        _("review"), max_length=20, choices=Review.choices, default=Review.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(
        _("note to the carrier"),
        max_length=500,
        blank=True,
        help_text=_("Why it was not published; shown to the carrier only."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-written_at", "-id"]
        verbose_name = _("carrier statement")
        verbose_name_plural = _("carrier statements")
        permissions = [("approve_carrierstatement", _("Can approve carrier statements"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["acknowledged", "expansion-planned", "reported-fixed"]),
                name="carrier_statement_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(review__in=["pending", "published", "rejected"]),
                name="carrier_statement_review_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="expansion-planned") | Q(due_date__isnull=False),
                name="carrier_statement_due_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["-published_at"],
                name="statement_public_idx",
                condition=Q(review="published"),
            )
        ]

    def __str__(self):
        return f"{self.case}: {self.get_status_display()}"


class CarrierApiKey(models.Model):
    """A key with which a carrier's nightly job pulls its anonymized reports (Open311,
    complaints/carrier/open311/). Only a hash is kept: the key is shown once, when made."""

    carrier = models.CharField(_("carrier"), max_length=40)
    name = models.CharField(_("name"), max_length=100, help_text=_("What the key is used for."))
    # The first characters of the key, shown in the admin to tell keys apart.
    prefix = models.CharField(_("key starts with"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["carrier", "-created_at"]
        verbose_name = _("carrier API key")
        verbose_name_plural = _("carrier API keys")

    def __str__(self):
        return f"{carrier_name(self.carrier)}: {self.name} ({self.prefix}…)"


class WithdrawnReport(models.Model):
    """A published report that was deleted by its submitter: its pseudonym, kept so that a
    carrier's program that mirrors the reports (Open311 `updated_after`) learns to drop it.
    Nothing else of the report is kept."""

    pseudonym = models.CharField(max_length=32, db_index=True)
    carrier = models.CharField(max_length=40)
    withdrawn_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("withdrawn report")
        verbose_name_plural = _("withdrawn reports")

    def __str__(self):
        return self.pseudonym


# -- reach: goals and followers (complaints/campaign/) ---------------------------------------


class CampaignGoal(models.Model):
    """The organizer's goal: the landing page shows the count's progress towards the latest
    active one, and a banner on the day the count passes a multiple of milestone_every."""

    target = models.PositiveIntegerField(
        _("goal"), validators=[MinValueValidator(1)], help_text=_("Reports the campaign aims for.")
    )
    milestone_every = models.PositiveIntegerField(
        _("milestone every"),
        default=1000,
        validators=[MinValueValidator(1)],
        help_text=_("A banner celebrates the day the count passes a multiple of this."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign goal")
        verbose_name_plural = _("campaign goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(target__gte=1, milestone_every__gte=1), name="campaign_goal_positive"
            )
        ]

    def __str__(self):
        return str(self.target)


class Follower(models.Model):
    """Someone who follows a city (or one of its districts) by email: double opt-in, a digest
    at most weekly (complaints/campaign/digests.py), and the campaign newsletter when asked
    for. The row, with the address, is deleted when they unsubscribe; unconfirmed ones are
    purged (privacy/retention.py)."""

    email = models.EmailField(_("email"))
    # Empty: the campaign newsletter only, no place followed (then newsletter is set).
    city = models.ForeignKey(
        Place,
        verbose_name=_("city"),
        on_delete=models.CASCADE,
        related_name="followers",
        null=True,
        blank=True,
        limit_choices_to={"kind": "city", "merged_into__isnull": True},
    )
    district = models.ForeignKey(
        Place,
        verbose_name=_("district"),
        on_delete=models.CASCADE,
        related_name="district_followers",
        null=True,
        blank=True,
        limit_choices_to={"kind": "district", "merged_into__isnull": True},
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    newsletter = models.BooleanField(_("campaign newsletter"), default=False)
    consent_at = models.DateTimeField(_("consent given at"))
    privacy_policy_version = models.CharField(_("privacy policy version"), max_length=40)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    digest_sent_at = models.DateTimeField(_("last digest sent at"), null=True, blank=True)
    digest_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    # The id of the last campaign update sent to this follower as a newsletter (ids only grow).
    last_newsletter_id = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "city",
                condition=Q(district__isnull=True),
                name="follower_unique_city",
            ),
            models.UniqueConstraint(
                Lower("email"),
                "city",
                "district",
                condition=Q(district__isnull=False),
                name="follower_unique_district",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(city__isnull=True),
                name="follower_unique_newsletter_only",
            ),
            # A row follows a city, or is the newsletter alone; a district needs its city.
            models.CheckConstraint(
                condition=(Q(city__isnull=False) | Q(newsletter=True, district__isnull=True)),
                name="follower_place_or_newsletter",
            ),
        ]
        indexes = [
            models.Index(
                fields=["digest_sent_at"],
                name="follower_digest_due_idx",
                condition=Q(confirmed_at__isnull=False),
            )
        ]

    def __str__(self):
        if not self.city_id:
            return str(_("campaign newsletter"))
        return f"{self.city}" + (f", {self.district}" if self.district_id else "")
