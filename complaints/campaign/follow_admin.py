"""Who follows which place, for the organizer: to look at and to delete, nothing else (the
rows come only from the double opt-in, and only their owner changes them)."""

from django.contrib import admin

from complaints.backoffice.hardening import HardenedAdmin
from complaints.models import Follower


@admin.register(Follower)
class FollowerAdmin(HardenedAdmin, admin.ModelAdmin):
    list_display = [
        "email",
        "city",
        "district",
        "language",
        "newsletter",
        "confirmed_at",
        "digest_failures",
    ]
    # "city: empty" lists the rows that are the newsletter alone; failures, those whose
    # mails bounce (purged by purge_personal_data, privacy/retention.py).
    list_filter = [
        "language",
        "newsletter",
        ("city", admin.EmptyFieldListFilter),
        "digest_failures",
    ]
    list_select_related = ["city", "district__parent"]
    search_fields = ["city__name", "district__name"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = [
        "email",
        "city",
        "district",
        "language",
        "newsletter",
        "consent_at",
        "privacy_policy_version",
        "created_at",
        "confirmed_at",
        "digest_sent_at",
        "digest_failures",
        "last_newsletter_id",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
