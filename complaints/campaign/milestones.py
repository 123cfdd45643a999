"""The organizer's goal on the landing page: progress towards it, "+N today", and a banner on
the day the count passes a round number.

Everything here derives from the public counter (complaints/selectors.py): the counted
reports in total and since local midnight. Nothing else is told, so no new information
about anyone's report is published.
"""

from dataclasses import dataclass

from django.core.cache import cache

from complaints import selectors
from complaints.models import CampaignGoal
from einzelfall import cache_keys

# The goal changes rarely and only in the back office, which drops it (caches.goal_changed).
GOAL_CACHE_SECONDS = 10 * 60
# Without a goal the banner still celebrates round numbers: the goal form's own default.
DEFAULT_MILESTONE_EVERY = CampaignGoal._meta.get_field("milestone_every").default


@dataclass(frozen=True)
class Progress:
    count: int  # the public counter
    today: int  # of which submitted since local midnight
    target: int | None  # the active goal, or None
    milestone: int | None  # the round number the count passed today, if it did

    @property
    def reached(self) -> bool:
        return self.target is not None and self.count >= self.target

    @property
    def value(self) -> int:
        """The progress bar's value: the count, but never past the goal."""
        return min(self.count, self.target or 0)

    @property
    def percent(self) -> int:
        return min(100, self.count * 100 // self.target) if self.target else 0


def active_goal() -> CampaignGoal | None:
    """The latest active goal (cached; the back office drops it when a goal is saved)."""
    return cache.get_or_set(
        cache_keys.GOAL,
        lambda: CampaignGoal.objects.filter(is_active=True).order_by("-created_at", "-id").first(),
        GOAL_CACHE_SECONDS,
    )


def milestone_crossed(count: int, today: int, every: int) -> int | None:
    """The highest multiple of `every` that the count passed today: the count before today
    was below it and the count now reaches it. None on every other day."""
    if every < 1 or count < every:
        return None
    before = max(count - today, 0)
    if before // every == count // every:
        return None
    return count // every * every


def progress(count: int | None = None) -> Progress:
    """What the landing page shows of the goal; `count` is the counter the page shows
    already (read again when not given)."""
    count = selectors.public_counter() if count is None else count
    today = min(selectors.counted_today(), count)
    goal = active_goal()
    every = goal.milestone_every if goal else DEFAULT_MILESTONE_EVERY
    return Progress(
        count=count,
        today=today,
        target=goal.target if goal else None,
        milestone=milestone_crossed(count, today, every),
    )
