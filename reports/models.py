"""Releases of the public evaluation (reports/releases.py makes them, evaluation() reads them)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Release(models.Model):
    """One released evaluation, frozen: every public number is read from the latest release,
    so that moderation between two releases changes nothing a visitor can compare."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    released_at = models.DateTimeField(_("released at"))
    published_count = models.PositiveIntegerField(
        _("published reports"), help_text=_("Published reports in this release.")
    )
    new_count = models.PositiveIntegerField(
        _("new reports"), help_text=_("Reports published since the previous release.")
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty for a release made on schedule."),
    )
    # The built Evaluation (reports/evaluation.py), pickled and compressed; format says which
    # shape of it (releases.FORMAT), so that a release of another shape is never misread.
    format = models.PositiveSmallIntegerField(_("format"))
    evaluation = models.BinaryField(_("evaluation"), editable=False)

    class Meta:
        verbose_name = _("release of the evaluation")
        verbose_name_plural = _("releases of the evaluation")
        ordering = ["-number"]
        permissions = [("release_evaluation", _("Can release the evaluation"))]

    def __str__(self):
        return _("Release %(number)s") % {"number": self.number}


class ReleasedComplaint(models.Model):
    """A published report that is in a release (from the release it first came in): the
    reports newly published since the last release are the published ones not listed here.
    Listed for good, so a report published, rejected and published again is not new.

    A plain id, not a foreign key: a submitter's deletion of the report stays as it is, and
    ids are never reused (AUTOINCREMENT on SQLite, a sequence on PostgreSQL)."""

    complaint_id = models.BigIntegerField(primary_key=True)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("released report")
        verbose_name_plural = _("released reports")

    def __str__(self):
        return f"{self.complaint_id} ({self.release_id})"


# -- rollups: the evaluation's counts, kept by database triggers (reports/rollups.py) ----------
# One row per key, never one per report: n is the number of published reports with that key,
# released says whether they are in a release (the public evaluation counts released ones).
# Places are ids with 0 for none, so that the keys are unique without NULLs.


class _Rollup(models.Model):
    released = models.BooleanField()
    n = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{type(self).__name__} {self.pk}: {self.n}"


class RollupDay(_Rollup):
    day = models.DateField()
    carrier = models.CharField(max_length=40)
    confirmed = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["released", "day", "carrier"], name="rollup_day_key")
        ]


class RollupHour(_Rollup):
    hour = models.SmallIntegerField()
    carrier = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["released", "hour", "carrier"], name="rollup_hour_key")
        ]


class RollupCityWeek(_Rollup):
    week = models.DateField()
    city = models.BigIntegerField()
    carrier = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["released", "week", "city", "carrier"], name="rollup_city_week_key"
            )
        ]


class RollupDistrictWeek(_Rollup):
    city = models.BigIntegerField()
    district = models.BigIntegerField()
    week = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["released", "city", "district", "week"], name="rollup_district_week_key"
            )
        ]


class RollupTechnology(_Rollup):
    city = models.BigIntegerField()
    technology = models.CharField(max_length=10)
    carrier = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["released", "city", "technology", "carrier"],
                name="rollup_technology_key",
            )
        ]


class RollupProblem(_Rollup):
    city = models.BigIntegerField()
    problem = models.BigIntegerField()
    carrier = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["released", "city", "problem", "carrier"], name="rollup_problem_key"
            )
        ]


class RollupFollowup(_Rollup):
    city = models.BigIntegerField()
    district = models.BigIntegerField()
    answer = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["released", "city", "district", "answer"], name="rollup_followup_key"
            )
        ]
