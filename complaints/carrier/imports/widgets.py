"""How an import reads a cell: dates, months, problem types and the choice fields' words."""

import datetime
import functools
import re

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export import widgets

from complaints.models import Frequency, Location, ProblemType, Technology

TECHNOLOGY_WORDS = {
    "2g": "2g",
    "gsm": "2g",
    "edge": "2g",
    "3g": "3g",
    "umts": "3g",
    "hspa": "3g",
    "4g": "4g",
    "lte": "4g",
    "5g": "5g",
    "nr": "5g",
    "": "unknown",
    "unknown": "unknown",
    "weiß nicht": "unknown",
    "weiss nicht": "unknown",
    "unbekannt": "unknown",
}
GERMAN_WORDS = {
    # frequency
    "immer": "always",
    "täglich": "daily",
    "wöchentlich": "weekly",
    "selten": "rarely",
    # location
    "drinnen": "indoor",
    "draußen": "outdoor",
    "draussen": "outdoor",
    "beides": "both",
    "unterwegs": "moving",
}
CHOICES = {
    "technology": (Technology.choices, TECHNOLOGY_WORDS),
    "frequency": (Frequency.choices, {}),
    "location": (Location.choices, {}),
}


@functools.cache
def _words(name: str) -> dict[str, str]:
    """Every accepted spelling of a choice: its code, its label in German and English, and
    the usual words (made once per process)."""
    choices, extra = CHOICES[name]
    words = {code: code for code, _ in choices}
    for language in ("de", "en"):
        with translation.override(language):
            words.update({str(label).lower(): code for code, label in choices})
    words.update({word: code for word, code in GERMAN_WORDS.items() if code in words})
    words.update(extra)
    return words


def choice(value, name) -> str:
    """The code of the choice field `name` that the text value means ("" for none)."""
    word = str(value or "").strip().lower()
    found = _words(name).get(word)
    if found is None and word:
        known = ", ".join(code for code, _ in CHOICES[name][0])
        raise ValueError(
            _("%(field)s: unknown value %(value)r (known: %(known)s)")
            % {"field": name, "value": value, "known": known}
        )
    return found or ""


DATE_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d %H:%M:%S"]


def _parse_datetime(raw: str) -> datetime.datetime | None:
    """The moment a date text means (a date alone means noon), or None."""
    try:
        parsed = datetime.datetime.fromisoformat(raw)
    except ValueError:
        pass
    else:
        return parsed.replace(hour=12) if len(raw) == 10 else parsed
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return parsed if "%H" in fmt else parsed.replace(hour=12)
    return None


def _remembered(checked: dict, text: str, check):
    """check(text), or what it gave for the same text before (checked: for one import): a
    value, or the message of the ValueError it raised, raised again. (Not the exception
    itself: its traceback would keep a row alive for every bad text.) check never returns
    a str."""
    found = checked.get(text)
    if found is None:
        try:
            found = check(text)
        except ValueError as error:
            found = str(error)
        checked[text] = found
    if type(found) is str:
        raise ValueError(found)
    return found


class DateTimeWidget(widgets.Widget):
    """24.11.2011, 24.11.2011 14:05, 2011-11-24, 2011-11-24T14:05 or a spreadsheet date.

    An empty cell means the moment the import started (start())."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start()

    def start(self, now: datetime.datetime | None = None) -> None:
        """Called for each import: its moment, and no texts checked yet."""
        self.now = now
        # date text -> its moment, or the error message it gave (for one import: see clean).
        self.checked: dict[str, datetime.datetime | str] = {}

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return self.now or timezone.now()
        if not isinstance(value, str):
            return self._moment(value)
        # A file's dates repeat, and trying format after format is most of a row's parsing.
        return _remembered(self.checked, value, self._moment)

    def _moment(self, value) -> datetime.datetime:
        if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
            # A spreadsheet's date cell (openpyxl reads it as midnight): noon, as a date text;
            # midnight here would be the day before in UTC, and in the export made of it.
            parsed = value.replace(hour=12)
        elif isinstance(value, datetime.datetime):
            parsed = value
        elif isinstance(value, datetime.date):
            parsed = datetime.datetime.combine(value, datetime.time(12))
        else:
            raw = str(value).strip()
            parsed = _parse_datetime(raw) if len(raw) <= 40 else None
            if parsed is None:
                raise ValueError(
                    _("Not a date: %(value)r (use 24.11.2011 or 2011-11-24)") % {"value": raw}
                )
        if timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=timezone.get_default_timezone())
        if parsed > (self.now or timezone.now()) + datetime.timedelta(days=1):
            raise ValueError(_("Date in the future: %(value)r") % {"value": value})
        return parsed


class MonthWidget(widgets.Widget):
    """11/2011, 11.2011, 2011-11 or a date: the first day of that month."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date().replace(day=1)
        if isinstance(value, datetime.date):
            return value.replace(day=1)
        raw = str(value).strip()
        year, month = _year_and_month(raw)
        try:
            month_start = datetime.date(year, month, 1)
        except ValueError:
            raise ValueError(_("Not a month: %(value)r") % {"value": raw}) from None
        if month_start > timezone.localdate():
            raise ValueError(_("Month in the future: %(value)r") % {"value": raw})
        return month_start


def _year_and_month(raw: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,2})\s*[./-]\s*(\d{4})", raw)
    if match:
        return int(match[2]), int(match[1])
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", raw)
    if match:
        return int(match[1]), int(match[2])
    raise ValueError(_("Not a month: %(value)r (use 11/2011 or 2011-11)") % {"value": raw})


class ProblemsWidget(widgets.Widget):
    """Problem types by slug or by German or English name: a sorted list of their ids (the
    same list for the same text, not to be changed)."""

    known: dict | None = None  # name -> pk, read once per import (see start)
    checked: dict  # text -> its problems, or the error message it gave (for one import)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start()

    def start(self) -> None:
        """Called for each import: the problem types are read again at its first row."""
        self.known = None
        self.checked = {}

    def clean(self, value, row=None, **kwargs):
        return _remembered(self.checked, str(value or ""), self._problems)

    def _problems(self, value: str) -> list[int]:
        if self.known is None:
            self.known = _problem_names()
        found, unknown = _split_names(value, self.known)
        if not found and not unknown:
            raise ValueError(_("problems: at least one problem is required"))
        if unknown:
            raise ValueError(
                _("problems: unknown %(names)s") % {"names": ", ".join(map(repr, unknown))}
            )
        return sorted(set(found))


# The separators between problems; "/" and "," also occur within a name ("Kein Netz / kein
# Empfang"), so a run of pieces that makes a known name is taken as that name.
SEPARATORS = re.compile(r"([;,/|])")
SPACED_SEPARATOR = re.compile(r" ?([;,/|]) ?")


def _split_names(value: str, known: dict[str, int]) -> tuple[list[int], list[str]]:
    """The problems a cell names: at each piece, the longest run of pieces (separators
    included) that is a known name; a piece that starts none is unknown."""
    parts = SEPARATORS.split(value)  # piece, separator, piece, ...
    longest = max(map(len, known), default=0)
    found, unknown, start = [], [], 0
    while start < len(parts):
        end, pk = start, None
        text = ""
        for stop in range(start, len(parts), 2):
            text = "".join(parts[start : stop + 1])
            if len(text) > longest * 2:  # (a hostile cell of separators stays linear)
                break
            if _key(text) in known:
                end, pk = stop, known[_key(text)]
        if pk is not None:
            found.append(pk)
        elif parts[start].strip():
            unknown.append(parts[start].strip())
        start = end + 2
    return found, unknown


def _key(name: str) -> str:
    """A name as compared: lower case, blanks collapsed, none around a separator."""
    return SPACED_SEPARATOR.sub(r"\1", " ".join(name.split()).lower())


def _problem_names() -> dict[str, int]:
    """Every problem type's slug and names (as _key compares them), for its id."""
    known = {}
    for problem in ProblemType.objects.all():
        for name in (problem.slug, problem.name_de, problem.name_en):
            if _key(name):
                known[_key(name)] = problem.pk
    return known
