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
