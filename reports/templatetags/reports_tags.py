from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from reports import selectors
from reports.charts import suppressed_label

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def share(answers, answer):
    """The share in percent of one follow-up answer (None when its count is suppressed)."""
    return answers.share(answer) if answers else None


@register.simple_tag
def suppressed(cell=None):
    """A hidden number, linked to the one explanation of why (the open-data page)."""
    small = bool(cell is not None and cell.small)
    if small:
        hint = _("fewer than %(k)s, not shown to protect individuals") % {
            "k": settings.REPORTS_MIN_COUNT
        }
    else:
        hint = _("hidden so that a smaller number cannot be worked out")
    return format_html(
        '<a class="suppressed" href="{}#suppression">{}'
        '<span class="visually-hidden"> ({})</span></a>',
        reverse("reports:data"),
        suppressed_label(small),
        hint,
    )


@register.simple_tag
def as_of(moment):
    """ "As of <date and time>." in the page's language. English times end in "p.m.", whose
    full stop ends the sentence too (no "p.m..")."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    text = _("As of %(date)s.") % {"date": date_format(moment, "DATETIME_FORMAT")}
    return text[:-1] if text.endswith("..") else text


# The numbers as every public place writes them (selectors: grouped, rate).
register.filter("grouped", selectors.grouped)
register.filter("rate", selectors.rate)
