"""The back office's admin site: every registered ModelAdmin hardened, and a "view on site"
shortcut that leads only to what the public may see.

It is the default site (complaints/backoffice/apps.py), so `admin.site` and `@admin.register`,
Django's own apps' registrations included, use it.
"""

from functools import update_wrapper

from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import BadRequest
from django.db.models.base import ModelBase
from django.http import Http404, HttpResponseRedirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme

from complaints.backoffice.hardening import HardenedAdmin


def _flatpage_url(model_admin, obj):
    # The privacy and imprint pages: public, unless a page asks for a login.
    return None if obj.registration_required else obj.get_absolute_url()


# What is public of the models other apps register (HardenedAdmin.public_url): nothing else.
PUBLIC_URLS = {"flatpages.flatpage": _flatpage_url}


def hardened(admin_class: type[ModelAdmin], model=None) -> type[ModelAdmin]:
    """The ModelAdmin class with HardenedAdmin under it (unchanged when it has it)."""
    if issubclass(admin_class, HardenedAdmin):
        return admin_class
    attrs = {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__}
    if model is not None and model._meta.label_lower in PUBLIC_URLS:
        attrs["public_url"] = PUBLIC_URLS[model._meta.label_lower]
    return type(admin_class.__name__, (HardenedAdmin, admin_class), attrs)


def _has_nul(request, kwargs) -> bool:
    # PostgreSQL refuses NUL in text: a search for it would be a database error.
    texts = [*kwargs.values(), *request.GET.keys()]
    texts += [value for values in request.GET.lists() for value in values[1]]
    return any("\x00" in str(text) for text in texts)


class EinzelfallAdminSite(AdminSite):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What the index shows above the apps, by name: functions of the request that return
        # template context (the moderation counts). The admin modules above this layer add
        # them, as the back office may not import them.
        self.index_panels = {}

    def index(self, request, extra_context=None):
        context = {}
        for panel in self.index_panels.values():
            context.update(panel(request))
        return super().index(request, {**context, **(extra_context or {})})

    def register(self, model_or_iterable, admin_class=None, **options):
        models = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        for model in models:
            super().register(model, hardened(admin_class or ModelAdmin, model), **options)

    def admin_view(self, view, cacheable=False):
        def guarded(request, *args, **kwargs):
            if _has_nul(request, kwargs):
                raise BadRequest("NUL byte in an admin URL")
            return view(request, *args, **kwargs)

        return super().admin_view(update_wrapper(guarded, view), cacheable)

    def get_urls(self):
        urls = super().get_urls()
        shortcut = path(
            "r/<int:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [shortcut if getattr(u, "name", None) == "view_on_site" else u for u in urls]

    def view_on_site(self, request, content_type_id, object_id):
        """Django's shortcut redirects anyone to any object's get_absolute_url (a draft's
        address and title included): here only a user who may view the object in the back
        office, and only to an object the public may see."""
        from django.contrib.contenttypes.models import ContentType

        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None:
            raise Http404
        obj = model_admin.get_object(request, unquote(object_id))
        if obj is None or not model_admin.has_view_permission(request, obj):
            raise Http404
        url = model_admin.public_url(obj)
        if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
            raise Http404
        return HttpResponseRedirect(url)
