from complaints import caches


class RefreshAfterCommit:
    """ModelAdmin mixin: what the public pages cache from these rows is dropped once a save
    or deletion has committed (`refresh`: a function of complaints.caches), so the change
    shows at once."""

    refresh = staticmethod(caches.published_changed)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        caches.after_commit(self.refresh)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        caches.after_commit(self.refresh)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        caches.after_commit(self.refresh)


class ReadOnlyAdmin:
    """ModelAdmin mixin for a record the site writes itself (an audit, a release): nobody
    adds, changes or deletes one by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
