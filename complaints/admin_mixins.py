from django.db import transaction

from . import services


class RefreshAfterCommit:
    """ModelAdmin mixin: what the public pages cache from these rows is dropped once a save
    or deletion has committed (`refresh`: a function of services), so the change shows at
    once. `refresh_on_save = False` leaves saving to the admin's own save_model."""

    refresh = staticmethod(services.published_changed)
    refresh_on_save = True

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if self.refresh_on_save:
            transaction.on_commit(self.refresh, robust=True)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(self.refresh, robust=True)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(self.refresh, robust=True)
