"""Read operations for the public pages of the complaints app."""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import matching
from .models import CampaignUpdate, Complaint, PlaceStatus
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


def place_suggestions(*, query: str, city: str = "") -> list[dict]:
    """Places for the form's suggestions: cities starting with the query, or, when a city is
    given, that city's districts starting with it."""
    index = matching.get_index()
    if city:
        found = index.match(city)
        if not found.matched:
            return []
        # All of a city's districts fit in one list (Berlin has about 100).
        places = index.suggest_districts(found.city_id, query, limit=150)
    else:
        places = index.suggest_cities(query, limit=10)
    return [
        {"name": p.name, "slug": p.slug, "kind": p.kind, "state": p.state or None} for p in places
    ]


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
