"""Read operations for the public pages of the complaints app."""

import re

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import matching
from .models import CampaignUpdate, Complaint, PlaceStatus
from .placenames import name_key
from .services import COUNTER_CACHE_KEY, UPDATES_CACHE_KEY

# A scheduled update appears on the landing page at most this late.
UPDATES_CACHE_SECONDS = 60


def public_counter() -> int:
    """How many complaints the campaign has counted (all but rejected and spam).

    Cached briefly: the landing page is the page a viral spike hits, and a COUNT over a
    large table on every view would be its most expensive part. Submissions and moderation
    drop the cached value, so the count a submitter sees includes their own report.
    """
    return cache.get_or_set(
        COUNTER_CACHE_KEY,
        lambda: Complaint.objects.counted().count(),
        settings.COUNTER_CACHE_SECONDS,
    )


def largest_city_names(limit: int = 200) -> list[str]:
    """Names of the most populous cities, for the city field's suggestions without JavaScript."""
    index = matching.get_index()
    cities = (p for p in index.places.values() if p.kind == "city")
    return [p.name for p in sorted(cities, key=lambda p: -p.population)[:limit]]


# Digits only: a postal code, or the start of one ("8033").
_POSTAL_PREFIX = re.compile(r"^\d{3,5}$")


def postal_code_city(postal_code: str) -> str | None:
    """The name of the city a postal code belongs to (the largest, if several), or None."""
    index = matching.get_index()
    found = index.match(postal_code=postal_code)
    return index.places[found.city_id].name if found.matched else None


def place_suggestions(*, query: str, city: str = "") -> list[dict]:
    """Places for the form's suggestions: cities starting with the query, or, when a city is
    given, that city's districts starting with it.

    A query no city name starts with is read as the matcher reads a submission ("Hamburg
    Altona", "Munich", "80331 München"): that city and district, and the city's districts
    starting with the rest ("Hamburg Alt"). Digits are a postal code or its start."""
    index = matching.get_index()
    if city:
        found = index.match(city)
        if not found.matched:
            return []
        # All of a city's districts fit in one list (Berlin has about 100).
        places = index.suggest_districts(found.city_id, query, limit=150)
        return [_suggestion(index, p) for p in places]
    compact = query.replace(" ", "")
    if _POSTAL_PREFIX.match(compact):
        return [
            {**_suggestion(index, p), "postal_code": code}
            for code, p in index.suggest_postal(compact, limit=10)
        ]
    places = index.suggest_cities(query, limit=10)
    if not places:
        places = _city_and_districts(index, query, limit=10)
    return [_suggestion(index, p) for p in places]


def _city_and_districts(index, query: str, limit: int) -> list:
    found = index.match(query)
    places = [index.places[pk] for pk in (found.city_id, found.district_id) if pk is not None]
    words = name_key(query).split()
    for cut in range(len(words) - 1, 0, -1):
        head = index.match(" ".join(words[:cut]))
        if head.matched and head.district_id is None:
            if not places:
                places.append(index.places[head.city_id])
            if head.city_id == places[0].id:
                rest = " ".join(words[cut:])
                places += index.suggest_districts(head.city_id, rest, limit=limit)
            break
    return list(dict.fromkeys(places))[:limit]


def _suggestion(index, place) -> dict:
    suggestion = {"name": place.name, "slug": place.slug, "kind": place.kind}
    suggestion["state"] = place.state or None
    if place.kind == "district" and place.parent_id in index.places:
        suggestion["city"] = index.places[place.parent_id].name
    return suggestion


def published_updates():
    """The campaign updates the public sees: published, and due (not scheduled for later)."""
    return CampaignUpdate.objects.filter(is_published=True, published_at__lte=timezone.now())


def latest_updates(limit: int = 2) -> list[CampaignUpdate]:
    """The newest updates for the landing page: cached for a minute (the page a spike hits);
    saving an update in the back office drops the cached list at once."""
    return cache.get_or_set(
        UPDATES_CACHE_KEY, lambda: list(published_updates()[:limit]), UPDATES_CACHE_SECONDS
    )


def latest_place_statuses(limit: int):
    """The newest status changes of places, for the feed (dated today or earlier)."""
    return (
        PlaceStatus.objects.filter(date__lte=timezone.localdate(), place__merged_into=None)
        .select_related("place", "place__parent")
        .order_by("-date", "-id")[:limit]
    )
