"""The releases of the evaluation in the back office: a read-only list for organizers, and
the one way to release by hand (only when the batch is big enough, as the schedule)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.backoffice.mixins import ReadOnlyAdmin

from . import releases
from .models import Release


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["number", "released_at", "published_count", "new_count", "released_by"]
    list_select_related = ["released_by"]
    date_hierarchy = "released_at"
    # The frozen evaluation is bytes: no use to read in a form.
    exclude = ["evaluation"]
    readonly_fields = [*list_display, "format"]

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_release"
        view = self.admin_site.admin_view(require_POST(self.release_view))
        return [path("release/", view, name=name), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        can_release = self._can_release(request)
        extra_context = {
            **(extra_context or {}),
            "can_release": can_release,
            "batch": releases.batch() if can_release else None,
        }
        return super().changelist_view(request, extra_context)

    def release_view(self, request):
        if not self._can_release(request):
            raise PermissionDenied
        try:
            release = releases.release_evaluation(by=request.user)
        except ValidationError as error:
            self.message_user(request, error.messages[0], messages.WARNING)
        else:
            self.message_user(
                request,
                _("Release %(number)s is public: %(total)s published reports, %(new)s new.")
                % {
                    "number": release.number,
                    "total": release.published_count,
                    "new": release.new_count,
                },
                messages.SUCCESS,
            )
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def _can_release(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.release_evaluation")
