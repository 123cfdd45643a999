"""Where an uploaded file waits between its preview and its confirmation, and the claim that
lets a file be imported once."""

import datetime
import hashlib

from django.core.cache import cache
from django.utils import timezone
from import_export.tmp_storages import CacheStorage


class ShortCacheStorage(CacheStorage):
    """The uploaded file waits for the confirmation in the cache for an hour, not a day: it
    holds the submitters' email addresses.

    A file is imported once: its confirmation claims the file's content (a digest), so that a
    second confirmation (two tabs, a double click) and the same file uploaded again (the back
    button and reload re-send the upload) import nothing. The claim of an imported file is
    kept IMPORTED_MEMORY; to import the same rows again on purpose, change the file."""

    CACHE_LIFETIME = 3600
    IMPORTED_MEMORY = 30 * 24 * 3600
    CLAIMED, GONE, TAKEN = "claimed", "gone", "taken"

    @classmethod
    def _claim_key(cls, data) -> str:
        content = data.encode() if isinstance(data, str) else data
        return f"{cls.CACHE_PREFIX}claim-{hashlib.sha256(content).hexdigest()}"

    def claim(self) -> str:
        """CLAIMED for the one confirmation that may import this upload; TAKEN when the same
        content was imported (or is being imported) already, GONE when the file has expired.
        One atomic cache.add, shared by every app instance."""
        data = self.read()
        if data is None:  # imported and removed a moment ago, or expired
            return self.TAKEN if cache.get(self._name_key()) else self.GONE
        self._claimed = self._claim_key(data)
        if not cache.add(self._claimed, "", self.CACHE_LIFETIME):
            return self.TAKEN
        cache.set(self._name_key(), 1, self.CACHE_LIFETIME)
        return self.CLAIMED

    def _name_key(self) -> str:
        return f"{self.CACHE_PREFIX}claimed-{self.name}"

    def imported(self) -> None:
        """The claimed file's rows are stored: remember when, for a while."""
        cache.set(self._claimed, timezone.now().isoformat(), self.IMPORTED_MEMORY)

    def release(self) -> None:
        cache.delete_many([self._claimed, self._name_key()])

    @classmethod
    def imported_at(cls, data) -> datetime.datetime | None:
        """When a file of this content was imported, if it was (within IMPORTED_MEMORY)."""
        value = cache.get(cls._claim_key(data))
        return datetime.datetime.fromisoformat(value) if value else None
