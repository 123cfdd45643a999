from complaints import caches


class RefreshAfterCommit:
    """ModelAdmin mixin: what the public pages cache from these rows is dropped once a save
    or deletion has committed (`refresh`: a function of services), so the change shows at
    once. `refresh_on_save = False` leaves saving to the admin's own save_model."""

    refresh = staticmethod(caches.published_changed)
    refresh_on_save = True

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if self.refresh_on_save:
            caches.after_commit(self.refresh)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        caches.after_commit(self.refresh)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        caches.after_commit(self.refresh)
