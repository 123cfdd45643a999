"""What came of the campaign, in the evaluation: the places' statuses the organizer records,
the follow-up answers of the reports' senders, and the weekly reports around a status date.

The answers and the weeks of a district are protected within its city (cells.within_city),
so that nothing the city page hides can be worked out from its districts.
"""

from collections import defaultdict

from django.conf import settings

from complaints.models import FollowupAnswer, Place, PlaceStatus

from . import queries
from .cells import NO_DISTRICT, UNMATCHED, table_cells, within_city
from .evaluation import Answers, CityDetail, StatusInfo, Trend
from .suppression import suppress_group

# Weeks shown before and since a place's "expansion planned" or "reported fixed" date.
TREND_WEEKS = 8
TREND_STATUSES = (PlaceStatus.Kind.EXPANSION_PLANNED, PlaceStatus.Kind.REPORTED_FIXED)


def statuses() -> dict[int, StatusInfo]:
    """The latest status of every place that has one (a handful: the organizer sets them),
    whoever it is of."""
    return statuses_by_carrier()[None]


def statuses_by_carrier() -> dict[str | None, dict[int, StatusInfo]]:
    """The latest status of every place, for every carrier (None: the all-carriers
    evaluation, every status) in one pass: a carrier's evaluation shows its own statuses and
    the organizer's for the place as a whole (carrier blank), never another carrier's."""
    carriers = list(settings.EINZELFALL_CARRIERS)
    found = {key: {} for key in [None, *carriers]}
    for status in queries.place_statuses():
        place = status.place
        if place.merged_into_id:
            continue
        wanted = [None, *([status.carrier] if status.carrier else carriers)]
        for key in wanted:
            if key in found and place.pk not in found[key]:
                found[key][place.pk] = _status_info(status)
    return found


def _status_info(status: PlaceStatus) -> StatusInfo:
    place = status.place
    district = place.kind == Place.Kind.DISTRICT and place.parent_id
    return StatusInfo(
        id=status.pk,
        place_id=place.pk,
        name=f"{place.name} ({place.parent.name})" if district else place.name,
        city_id=place.parent_id if district else place.pk,
        status=status.status,
        date=status.date,
        note=status.note,
        carrier=status.carrier,
    )


def _shown_districts(detail: CityDetail) -> dict[int, int]:
    """The districts whose report count the city page shows: {Place id: count}."""
    return {
        detail.district_ids[name]: cell.count
        for name, cell in detail.districts
        if not cell.suppressed
    }


# -- follow-up answers ----------------------------------------------------------------------


def answers(details: dict[int, CityDetail], shown: set[int], k: int) -> dict[str, int]:
    """Follow-up answers per shown city and per shown district. Returns the campaign's
    answers per answer (shown as campaign totals, as the problems' totals are)."""
    counts = queries.count_followups_by_city_and_district()
    per_answer, per_city, per_district = _answer_counts(counts)
    if sum(per_answer.values()):
        _city_answers(details, shown, per_city, per_answer, k)
        for city in shown:
            _district_answers(details[city], per_district.get(city), k)
    return per_answer


def _answer_counts(counts: dict) -> tuple[dict, dict, dict]:
    """The answers per answer; per city (UNMATCHED: of no city) and answer; per city,
    district (NO_DISTRICT: of none) and answer."""
    per_answer = dict.fromkeys((a.value for a in FollowupAnswer), 0)
    per_city = defaultdict(lambda: defaultdict(int))
    per_district = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for (city, district, answer), n in counts.items():
        per_answer[answer] += n
        per_city[city if city is not None else UNMATCHED][answer] += n
        if city is not None:
            per_district[city][district if district is not None else NO_DISTRICT][answer] += n
    return per_answer, per_city, per_district


def _city_answers(details, shown, per_city: dict, per_answer: dict, k: int) -> None:
    """Which cities show their number of answers is decided over the group that adds up to
    the campaign's answers; their answer cells are then protected against the campaign
    totals, as a city's problem mix is."""
    totals = {city: sum(cells.values()) for city, cells in per_city.items()}
    hidden = suppress_group(totals, k)
    if hidden is None:
        return
    showable = {c: n for c, n in totals.items() if c not in hidden and c != UNMATCHED}
    table = {c: {a: per_city[c].get(a, 0) for a in per_answer} for c in showable}
    total = sum(per_answer.values())
    for city, cells in table_cells(table, showable, per_answer, total, k).items():
        if city in shown:
            details[city].answers = Answers(total=showable[city], cells=cells)


def _district_answers(detail: CityDetail, counts: dict | None, k: int) -> None:
    """Only where the city shows its answers, and only for districts whose report count is
    shown (a district's answers are at most its reports: answers of a district whose count
    is hidden would narrow that count down). Which of them show their number of answers is
    decided over the city's group; their cells are protected within the city."""
    if detail.answers is None or counts is None:
        return
    group = {d: sum(by_answer.values()) for d, by_answer in counts.items()}
    hidden = suppress_group(group, k)
    if hidden is None:
        return
    shown = _shown_districts(detail)
    row_totals = {d: n for d, n in group.items() if d in shown and d not in hidden}
    rows = within_city(detail.answers.cells, detail.answers.total, counts, row_totals, k)
    names = {pk: name for name, pk in detail.district_ids.items()}
    for district, cells in rows.items():
        detail.district_answers[names[district]] = Answers(row_totals[district], cells)


# -- trends ---------------------------------------------------------------------------------


def trends(details, statuses: dict[int, StatusInfo], shown, by_city, k: int) -> list[Trend]:
    """Weekly reports before and since each "expansion planned" or "reported fixed" date.
    A city's weeks are its published week mix; a district's weeks (only of a district whose
    count is shown, in a city whose week mix is shown) are protected within the city."""
    acted = [s for s in statuses.values() if s.status in TREND_STATUSES and s.city_id in shown]
    if not acted:
        return []
    weeks_of = _city_weeks(details, acted)
    districts = [s for s in acted if s.place_id != s.city_id]
    weeks_of.update(_district_weeks(details, districts, by_city, k))
    found = [_trend(s, weeks_of.get(s.place_id)) for s in sorted(acted, key=_by_date)]
    return [trend for trend in found if trend is not None]


def city_trends(details, statuses: dict[int, StatusInfo], shown) -> list[Trend]:
    """The trends of the cities only (a carrier's evaluation: it shows no districts)."""
    acted = [
        s
        for s in statuses.values()
        if s.status in TREND_STATUSES and s.city_id in shown and s.place_id == s.city_id
    ]
    weeks_of = _city_weeks(details, acted)
    found = [_trend(s, weeks_of.get(s.place_id)) for s in sorted(acted, key=_by_date)]
    return [trend for trend in found if trend is not None]


def _city_weeks(details, acted: list[StatusInfo]) -> dict:
    """The published weeks of these cities ({city: [(Monday, Cell)]}): their week mixes."""
    return {
        s.place_id: details[s.city_id].weeks
        for s in acted
        if s.place_id == s.city_id and details[s.city_id].weeks
    }


def _by_date(status: StatusInfo):
    return status.date, status.name


def _district_weeks(details, districts: list[StatusInfo], by_city, k: int) -> dict:
    """The published weeks of these districts' reports ({district: [(Monday, Cell)]})."""
    rows = defaultdict(dict)
    for (district, week), n in queries.count_by_district_and_week(
        [s.place_id for s in districts]
    ).items():
        rows[district][week] = n
    wanted = {s.place_id for s in districts}
    weeks_of = {}
    for city in {s.city_id for s in districts}:
        detail = details[city]
        if not detail.weeks:
            continue
        row_totals = {d: n for d, n in _shown_districts(detail).items() if d in wanted}
        protected = within_city(dict(detail.weeks), by_city[city], rows, row_totals, k)
        weeks_of.update((d, sorted(cells.items())) for d, cells in protected.items())
    return weeks_of


def _trend(status: StatusInfo, weeks) -> Trend | None:
    if not weeks:
        return None
    start = queries.week_of(status.date)
    before = [(w, c) for w, c in weeks if w < start][-TREND_WEEKS:]
    after = [(w, c) for w, c in weeks if w >= start][:TREND_WEEKS]
    return Trend(status=status, before=before, after=after)
