"""Admin widgets with the accessible names Django's own lack."""

from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.translation import gettext_lazy as _


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time boxes, each with a name of its own: the admin writes
    "Date:" and "Time:" before them as plain text, which no screen reader ties to a box (the
    field's label is the legend of the pair)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets[0].attrs["aria-label"] = _("Date")
        self.widgets[1].attrs["aria-label"] = _("Time")
