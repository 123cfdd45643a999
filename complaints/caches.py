"""What the site keeps in its cache about complaints, and how a change lets go of it.

Every write that changes what the public sees calls one of these after its commit
(after_commit), so that a rollback never empties a cache for nothing and a cache that fails
then never turns a stored change into an error page (robust=True logs the failure)."""

from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from einzelfall import cache_keys


def after_commit(*functions: Callable[[], None]) -> None:
    """Run each function once the current transaction commits (at once outside one)."""
    for function in functions:
        transaction.on_commit(function, robust=True)


def _counter_keys() -> list[str]:
    # "+N today" is the counter's part since midnight: it goes wherever the counter goes.
    return [cache_keys.COUNTER, cache_keys.counter_today(timezone.localdate())]


def counter_invalidate() -> None:
    cache.delete_many(_counter_keys())


def updates_changed() -> None:
    cache.delete(cache_keys.UPDATES)


def goal_changed() -> None:
    cache.delete(cache_keys.GOAL)


def published_changed() -> None:
    """What is published has changed (status, place, or the gazetteer). The live counter
    follows at once; the evaluation only with its next release (reports/releases.py), so that
    pages before and after one moderation never differ by one report."""
    cache.delete_many([*_counter_keys(), cache_keys.PLACE_STATUSES, cache_keys.CARRIER_ANSWERS])


def carrier_answers_changed() -> None:
    """A place was opened for a carrier or answered: the response statistics change."""
    cache.delete(cache_keys.CARRIER_ANSWERS)
