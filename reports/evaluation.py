"""What the public evaluation is made of: its cells, rows and per-city details.

A release stores an Evaluation pickled (reports/releases.py): a change to these classes that an
older pickle cannot be read as needs a new releases.FORMAT. Releases pickled before this module
existed name the classes as reports.selectors.*, which re-exports them.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from complaints.models import PlaceStatus, ProblemType, carrier_name

# The hotspot ranking leaves out places too small for a rate to mean anything.
HOTSPOT_MIN_POPULATION = 20_000
HOTSPOT_MIN_COMPLAINTS = 10


@dataclass
class Cell:
    """A published number: a count, or None when it is suppressed. small: hidden for being
    below K (shown as "< K"), not only to protect another cell; the suppression proofs
    (suppression.py, tables.py) already assume a reader knows which is which."""

    count: int | None
    suppressed: bool = False
    small: bool = False


@dataclass
class CityRow:
    id: int
    name: str
    slug: str
    state: str | None
    population: int | None
    latitude: float | None
    longitude: float | None
    complaints: int | None
    suppressed: bool
    per_100k: float | None = None


@dataclass
class StatusInfo:
    """A place's latest status (complaints.models.PlaceStatus), as the pages show it."""

    id: int  # the PlaceStatus
    place_id: int
    name: str  # the place's name; for a district "District (City)"
    city_id: int  # the city itself, or the district's city
    status: str  # PlaceStatus.Kind
    date: datetime.date
    note: str
    # The carrier the status is of; blank: the organizer's, for the place as a whole (a
    # default, so that releases pickled before carriers were counted still read).
    carrier: str = ""

    @property
    def label(self) -> str:
        # In the language of the page that shows it, not of the one that built a release.
        return PlaceStatus.Kind(self.status).label

    @property
    def carrier_name(self) -> str:
        """Whose status it is, when a carrier's (empty: the organizer's, for everyone)."""
        return carrier_name(self.carrier) if self.carrier else ""


@dataclass
class Answers:
    """Follow-up answers of one place: the number of answers and the share of each answer
    (None for a suppressed cell)."""

    total: int
    cells: dict[str, Cell]  # FollowupAnswer value -> Cell

    def share(self, answer: str) -> int | None:
        cell = self.cells.get(answer)
        if cell is None or cell.suppressed or not self.total:
            return None
        return round(100 * cell.count / self.total)

    @property
    def any_hidden(self) -> bool:
        return any(cell.suppressed for cell in self.cells.values())


@dataclass
class Trend:
    """New reports per week around a place's "expansion planned" or "reported fixed" date:
    the weeks before and since the week of the date, as published cells."""

    status: StatusInfo
    before: list[tuple[datetime.date, Cell]]
    after: list[tuple[datetime.date, Cell]]

    @staticmethod
    def _mean(weeks) -> float | None:
        # Only from shown cells, and only when every cell is shown: a mean over hidden
        # cells would publish their sum.
        if not weeks or any(cell.suppressed for _, cell in weeks):
            return None
        return round(sum(cell.count for _, cell in weeks) / len(weeks), 1)

    @property
    def shows_anything(self) -> bool:
        return any(not cell.suppressed for _, cell in self.before + self.after)

    @property
    def mean_before(self) -> float | None:
        return self._mean(self.before)

    @property
    def mean_after(self) -> float | None:
        return self._mean(self.after)


@dataclass
class CityDetail:
    districts: list[tuple[str, Cell]] = field(default_factory=list)
    district_ids: dict[str, int] = field(default_factory=dict)  # name -> Place id
    no_district: Cell | None = None
    districts_withheld: bool = False  # no safe way to show them: none are shown
    # The city's mixes (see tables.py); None when no safe way to show them was found.
    problems: list[tuple[ProblemType, Cell]] | None = None
    technologies: list[tuple[str, Cell]] | None = None  # Technology values
    weeks: list[tuple[datetime.date, Cell]] | None = None  # Mondays
    answers: Answers | None = None  # the city's follow-up answers, when shown
    district_answers: dict[str, Answers] = field(default_factory=dict)  # by district name


@dataclass
class CarrierShare:
    """One carrier's part of a place's reports (the comparison across carriers): its count,
    its share of the place's reports in percent, and its problem mix with each problem's
    share of the carrier's reports; None where a cell is suppressed."""

    slug: str
    name: str
    complaints: Cell
    share: int | None
    problems: list[tuple[ProblemType, Cell, int | None]] = field(default_factory=list)


@dataclass
class Evaluation:
    generated_at: datetime.datetime
    min_count: int
    total: int
    problems: list[tuple[ProblemType, int]]
    technologies: list[tuple[str, str, int]]
    days: list[tuple[datetime.date, int]]
    hours: list[int]
    cities: list[CityRow]  # every city with a published complaint, suppressed ones included
    other_places: int  # complaints of suppressed cities and of unknown places, together
    details: dict[int, CityDetail]
    version: str = ""
    confirmed: int = 0  # published reports whose email address was confirmed (double opt-in)
    statuses: dict[int, StatusInfo] = field(default_factory=dict)  # by Place id
    answer_totals: dict[str, int] = field(default_factory=dict)  # campaign-wide, per answer
    trends: list[Trend] = field(default_factory=list)
    # Rendered charts, made once per process and evaluation (see views.py).
    rendered: dict = field(default_factory=dict)
    # The release this evaluation is (reports/releases.py); 0 and None before the first.
    release_number: int = 0
    released_at: datetime.datetime | None = None
    # The carrier this evaluation counts (None: every carrier). The evaluation of every
    # carrier holds one of each configured carrier when there are several (by slug); plain
    # defaults, so that a release pickled before carriers were counted still reads.
    carrier: str | None = None
    by_carrier: dict | None = None

    def for_carrier(self, slug: str | None) -> "Evaluation | None":
        """The evaluation of one carrier; None when it has none (a single carrier, an
        unknown slug, a release made before carriers were counted)."""
        if slug is None:
            return self
        return (self.by_carrier or {}).get(slug)

    @property
    def shown_cities(self) -> list[CityRow]:
        return [c for c in self.cities if not c.suppressed]

    @property
    def hotspots(self) -> list[CityRow]:
        candidates = [
            c
            for c in self.shown_cities
            if c.per_100k is not None
            and (c.population or 0) >= HOTSPOT_MIN_POPULATION
            and (c.complaints or 0) >= max(HOTSPOT_MIN_COMPLAINTS, self.min_count)
        ]
        return sorted(candidates, key=lambda c: -c.per_100k)

    def city_count(self, city_id: int) -> int | None:
        """A city's shown count of reports (None: hidden or not listed)."""
        return next((c.complaints for c in self.shown_cities if c.id == city_id), None)

    def city(self, slug: str) -> CityRow | None:
        return next((c for c in self.cities if c.slug == slug), None)

    def statuses_in(self, city_id: int) -> list[StatusInfo]:
        """The city's status first, then its districts' by name."""
        found = [s for s in self.statuses.values() if s.city_id == city_id]
        return sorted(found, key=lambda s: (s.place_id != city_id, s.name))

    @property
    def answers_total(self) -> int:
        return sum(self.answer_totals.values())


def unreleased() -> Evaluation:
    """The evaluation before any release: no numbers at all."""
    return Evaluation(
        generated_at=timezone.now(),
        min_count=settings.REPORTS_MIN_COUNT,
        total=0,
        problems=[],
        technologies=[],
        days=[],
        hours=[0] * 24,
        cities=[],
        other_places=0,
        details={},
        version="unreleased",
    )
