"""Read operations on the campaign's news and the status of places."""

from django.core.cache import cache
from django.utils import timezone

from complaints.models import CampaignUpdate, PlaceStatus
from einzelfall import cache_keys

# A scheduled update appears on the landing page at most this late.
UPDATES_CACHE_SECONDS = 60


def published_updates():
    """The campaign updates the public sees: published, and due (not scheduled for later)."""
    return CampaignUpdate.objects.filter(is_published=True, published_at__lte=timezone.now())


def latest_updates(limit: int = 2) -> list[CampaignUpdate]:
    """The newest updates for the landing page: cached for a minute (the page a spike hits);
    saving an update in the back office drops the cached list at once."""
    return cache.get_or_set(
        cache_keys.UPDATES, lambda: list(published_updates()[:limit]), UPDATES_CACHE_SECONDS
    )


def latest_place_statuses(limit: int):
    """The newest status changes of places, for the feed (dated today or earlier)."""
    return (
        PlaceStatus.objects.filter(date__lte=timezone.localdate(), place__merged_into=None)
        .select_related("place", "place__parent")
        .order_by("-date", "-id")[:limit]
    )
