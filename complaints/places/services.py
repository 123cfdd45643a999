"""Write operations on places: the gazetteer's load, aliases, merges and matching again."""

from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import caches
from complaints.models import (
    CarrierCase,
    CarrierStatement,
    Complaint,
    Follower,
    Place,
    PlaceAlias,
    PlaceStatus,
    PostalCode,
)
from complaints.places import gazetteer, matching
from complaints.places.names import name_key


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    aliases_added: int = 0
    aliases_removed: int = 0
    postal_codes: int = 0
    removed: int = 0


_PLACE_DATA_FIELDS = [
    "name",
    "kind",
    "state",
    "population",
    "latitude",
    "longitude",
    "geonames_id",
    "ags",
]


@transaction.atomic
def gazetteer_sync(*, data: gazetteer.Gazetteer) -> LoadSummary:
    """Bring the places in the database in line with a built gazetteer. Idempotent.

    Places are matched by their source key, so a second run changes nothing; slugs, manual
    aliases and merges made by the organizer survive a reload.
    """
    summary = LoadSummary()
    existing = {p.source_key: p for p in Place.objects.exclude(source_key="")}
    taken = set(Place.objects.values_list("slug", flat=True))
    new_records = [r for r in data.places if r.source_key not in existing]
    slugs = gazetteer.unique_slugs(new_records, taken)
    # Cities first: districts need their city's id.
    for kind in ("city", "district"):
        records = [r for r in data.places if r.kind == kind]
        _sync_places(records, existing, slugs, summary)
    summary.aliases_added, summary.aliases_removed = _sync_aliases(data.places, existing)
    summary.postal_codes = _sync_postal_codes(data.postal_codes, existing)
    summary.removed = _remove_places_gone_from_data(existing, {r.source_key for r in data.places})
    caches.after_commit(matching.invalidate, caches.published_changed)
    return summary


def _sync_places(records, existing: dict[str, Place], slugs, summary: LoadSummary) -> None:
    """Create the records' new places and update the changed ones; `existing` learns the
    new places."""
    to_create, to_update = [], []
    for record in records:
        place = existing.get(record.source_key)
        if place is None:
            place = _new_place(record, existing, slugs[record.source_key])
            to_create.append(place)
            existing[record.source_key] = place
        elif _follow_record(place, record, existing):
            to_update.append(place)
        else:
            summary.unchanged += 1
    # bulk_update skips auto_now: the open data's Last-Modified reads changed_at.
    now = timezone.now()
    for place in to_update:
        place.changed_at = now
    Place.objects.bulk_create(to_create, batch_size=2000)
    Place.objects.bulk_update(
        to_update, [*_PLACE_DATA_FIELDS, "parent", "changed_at"], batch_size=1000
    )
    summary.created += len(to_create)
    summary.updated += len(to_update)


def _record_values(record: gazetteer.PlaceRecord) -> dict:
    values = {f: getattr(record, f) for f in _PLACE_DATA_FIELDS}
    values["name"] = values["name"][:100]
    return values


def _record_parent(record: gazetteer.PlaceRecord, existing: dict[str, Place]) -> Place | None:
    return _resolve_merged(existing[record.parent_key] if record.parent_key else None)


def _new_place(record, existing: dict[str, Place], slug: str) -> Place:
    return Place(
        source_key=record.source_key,
        slug=slug,
        parent=_record_parent(record, existing),
        **_record_values(record),
    )


def _follow_record(place: Place, record, existing: dict[str, Place]) -> bool:
    """Bring an existing place in line with its record (unsaved); False if nothing changed."""
    if place.merged_into_id:
        return False  # a tombstone keeps what the organizer decided
    values = _record_values(record)
    parent = _record_parent(record, existing)
    if place.edited:
        # The organizer's name, kind, city and key stand; only the figures follow the data.
        kept = {"name", "kind", "ags"} if place.ags else {"name", "kind"}
        values = {f: v for f, v in values.items() if f not in kept}
        parent = place.parent
    if all(getattr(place, f) == v for f, v in values.items()) and (
        place.parent_id == (parent.pk if parent else None)
    ):
        return False
    for f, v in values.items():
        setattr(place, f, v)
    place.parent = parent
    return True


def _sync_aliases(records, existing: dict[str, Place]) -> tuple[int, int]:
    """The gazetteer's names, on the live place (a merged place's go to its target); manual
    aliases stay. Returns (added, removed)."""
    wanted = _wanted_aliases(records, existing)
    current = {
        (a.place_id, a.key): a
        for a in PlaceAlias.objects.filter(source=PlaceAlias.Source.GAZETTEER)
    }
    manual = set(
        PlaceAlias.objects.filter(source=PlaceAlias.Source.MANUAL).values_list("place_id", "key")
    )
    stale = [a.pk for k, a in current.items() if k not in wanted]
    for start in range(0, len(stale), 5000):
        PlaceAlias.objects.filter(pk__in=stale[start : start + 5000]).delete()
    added = [
        PlaceAlias(place_id=place_id, key=key, name=name, source=PlaceAlias.Source.GAZETTEER)
        for (place_id, key), name in wanted.items()
        if (place_id, key) not in current and (place_id, key) not in manual
    ]
    PlaceAlias.objects.bulk_create(added, batch_size=5000)
    return len(added), len(stale)


def _wanted_aliases(records, existing: dict[str, Place]) -> dict[tuple[int, str], str]:
    """(place id, key) -> name of every gazetteer name that is not the place's own."""
    wanted: dict[tuple[int, str], str] = {}
    for record in records:
        place = _resolve_merged(existing[record.source_key])
        for alias in sorted(record.aliases):
            key = name_key(alias)
            if key and key != name_key(place.name):
                wanted.setdefault((place.pk, key), alias[:200])
    return wanted


def _sync_postal_codes(postal_codes, existing: dict[str, Place]) -> int:
    """A small table, replaced when it differs. Returns how many codes there are."""
    wanted = {(code, _resolve_merged(existing[source_key]).pk) for code, source_key in postal_codes}
    if wanted != set(PostalCode.objects.values_list("code", "place_id")):
        PostalCode.objects.all().delete()
        PostalCode.objects.bulk_create(
            [PostalCode(code=code, place_id=pk) for code, pk in sorted(wanted)],
            batch_size=5000,
        )
    return len(wanted)


def _remove_places_gone_from_data(existing: dict[str, Place], current_keys: set[str]) -> int:
    """Delete places a newer data set no longer has, unless something refers to them.

    Locked until the commit: a report committed meanwhile waits and is refused (the intake
    stores it again without the place) instead of making the database refuse this whole
    load. A place someone else holds is left for a later run: waiting could deadlock."""
    candidates = sorted(p.pk for key, p in existing.items() if key not in current_keys)
    gone = set()
    for start in range(0, len(candidates), 5000):
        free = Place.objects.select_for_update(skip_locked=True)
        locked = free.filter(pk__in=candidates[start : start + 5000]).order_by("pk")
        gone.update(locked.values_list("pk", flat=True))
    if not gone:
        return 0
    in_use = set()
    for field in ("city_place", "district_place"):
        in_use |= set(
            Complaint.objects.filter(**{f"{field}__isnull": False})
            .values_list(field, flat=True)
            .distinct()
        )
    in_use |= set(Place.objects.filter(parent__isnull=False).values_list("parent", flat=True))
    in_use |= set(
        Place.objects.filter(merged_into__isnull=False).values_list("merged_into", flat=True)
    )
    deletable = sorted(gone - in_use)
    for start in range(0, len(deletable), 5000):
        Place.objects.filter(pk__in=deletable[start : start + 5000]).delete()
    return len(deletable)


def _resolve_merged(place: Place | None) -> Place | None:
    seen = set()
    while place is not None and place.merged_into_id and place.pk not in seen:
        seen.add(place.pk)
        place = Place.objects.get(pk=place.merged_into_id)
    return place


# A change to these is the organizer's decision, which load_places keeps from then on.
EDITED_FIELDS = frozenset({"name", "kind", "parent", "ags"})


@transaction.atomic
def place_save(*, place: Place, changed_fields: list[str], is_new: bool) -> None:
    """An organizer saves a place in the back office. The matcher and the stats pages learn
    of it after the commit, and so of the aliases the admin saves next in the same
    transaction (save_related needs no refresh of its own)."""
    if not is_new and EDITED_FIELDS & set(changed_fields):
        place.edited = True
    place.save()
    caches.after_commit(matching.invalidate, caches.published_changed)


@transaction.atomic
def place_assign_raw_name(*, raw_key: str, place: Place, moderator: AbstractBaseUser) -> int:
    """Assign every unmatched complaint whose city text has this key to a place, and
    remember the name as an alias so that future submissions match. The district text of
    each complaint is matched within the place's city. Returns how many complaints changed."""
    place = _resolve_merged(place)
    unmatched = Complaint.objects.filter(city_place__isnull=True, city_key=raw_key)
    rows = list(unmatched.values_list("pk", "city", "district"))
    if not rows:
        raise ValidationError(_("No unmatched complaint has that name."), code="nothing_to_assign")
    city = place.parent if place.kind == Place.Kind.DISTRICT else place
    index = matching.get_index()
    changed = []
    for pk, _city, district in rows:
        district_id = place.pk if place.kind == Place.Kind.DISTRICT else None
        if district_id is None and district:
            district_id = index.district_in_city(city.pk, name_key(district))
        changed.append(Complaint(pk=pk, city_place_id=city.pk, district_place_id=district_id))
    Complaint.objects.bulk_update(changed, ["city_place", "district_place"], batch_size=1000)
    alias_name = min(raw for _pk, raw, _district in rows)[:200]
    PlaceAlias.objects.update_or_create(
        place=place, key=raw_key, defaults={"name": alias_name, "source": PlaceAlias.Source.MANUAL}
    )
    LogEntry.objects.log_actions(
        user_id=moderator.pk,
        queryset=Place.objects.filter(pk=place.pk),
        action_flag=CHANGE,
        change_message=f"Assigned the name {alias_name!r} ({len(changed)} complaints).",
        single_object=True,
    )
    caches.after_commit(matching.invalidate, caches.published_changed)
    return len(changed)


@transaction.atomic
def _move_carrier_cases(source: Place, target: Place) -> None:
    """A place opened for a carrier stays opened at the target, with its statements: where
    the target has its own case for that carrier, the source's statements join it (the
    earlier opening kept) and the source's case goes; no second opening, no second mail."""
    for case in CarrierCase.objects.select_for_update().filter(place=source):
        kept = (
            CarrierCase.objects.select_for_update()
            .filter(place=target, carrier=case.carrier)
            .first()
        )
        if kept is None:
            case.place = target
            case.save(update_fields=["place"])
            continue
        CarrierStatement.objects.filter(case=case).update(case=kept)
        if case.opened_at < kept.opened_at:
            kept.opened_at, kept.opened_count = case.opened_at, case.opened_count
        if case.first_answer_at and (
            kept.first_answer_at is None or case.first_answer_at < kept.first_answer_at
        ):
            kept.first_answer_at = case.first_answer_at
        if case.status_at and (kept.status_at is None or case.status_at > kept.status_at):
            kept.status, kept.status_at, kept.due_date = case.status, case.status_at, case.due_date
            kept.disputed_at = case.disputed_at
        kept.save()
        case.delete()


def places_merge(*, source: Place, target: Place, moderator: AbstractBaseUser) -> int:
    """Merge one place into another: its complaints, names, districts and postal codes move
    to the target; the source stays as a tombstone. Returns how many complaints moved."""
    if source.pk == target.pk:
        raise ValidationError(_("A place cannot be merged into itself."), code="same_place")
    # Re-read both under a row lock: two moderators merging A into B and B into A at once
    # must not leave two tombstones pointing at each other.
    locked = {
        p.pk: p
        for p in Place.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.kind != target.kind:
        raise ValidationError(_("Only places of the same kind can be merged."), code="kind")
    if target.merged_into_id or source.merged_into_id:
        raise ValidationError(_("A merged place cannot be merged again."), code="merged")
    field = "city_place" if source.kind == Place.Kind.CITY else "district_place"
    moved = Complaint.objects.filter(**{field: source}).update(**{field: target})
    if source.kind == Place.Kind.DISTRICT:
        Complaint.objects.filter(district_place=target).exclude(city_place=target.parent).update(
            city_place=target.parent
        )
    else:
        Place.objects.filter(parent=source).update(parent=target)
    _move_aliases(source, target)
    for code in source.postal_codes.all():
        PostalCode.objects.get_or_create(code=code.code, place=target)
    source.postal_codes.all().delete()
    # What happened at the place (acknowledged, expansion planned, ...) happened at the target.
    PlaceStatus.objects.filter(place=source).update(place=target)
    _move_carrier_cases(source, target)
    _move_followers(source, target)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    # Both changed what the open data shows (QuerySet.update skips auto_now).
    Place.objects.filter(pk__in=[source.pk, target.pk]).update(changed_at=timezone.now())
    for place, message in (
        (target, f"Merged {source.name!r} (#{source.pk}) into this place ({moved} complaints)."),
        (source, f"Merged into {target.name!r} (#{target.pk})."),
    ):
        LogEntry.objects.log_actions(
            user_id=moderator.pk,
            queryset=Place.objects.filter(pk=place.pk),
            action_flag=CHANGE,
            change_message=message,
            single_object=True,
        )
    caches.after_commit(matching.invalidate, caches.published_changed)
    return moved


def _move_followers(source: Place, target: Place) -> None:
    """Who followed the source follows the target; an address that follows the target
    already keeps its own row, and the source's is dropped (one digest per place)."""
    field = "city" if source.kind == Place.Kind.CITY else "district"
    for follower in Follower.objects.select_for_update().filter(**{field: source}):
        city_id = target.pk if field == "city" else (target.parent_id or follower.city_id)
        district_id = target.pk if field == "district" else follower.district_id
        taken = Follower.objects.filter(
            email__iexact=follower.email, city_id=city_id, district_id=district_id
        ).exclude(pk=follower.pk)
        if taken.exists():
            follower.delete()
        else:
            Follower.objects.filter(pk=follower.pk).update(city_id=city_id, district_id=district_id)


def _move_aliases(source: Place, target: Place) -> None:
    """The source's names go to the target, its own name too, unless the target has them."""
    target_keys = set(target.aliases.values_list("key", flat=True)) | {name_key(target.name)}
    for alias in source.aliases.all():
        if alias.key in target_keys:
            alias.delete()
        else:
            PlaceAlias.objects.filter(pk=alias.pk).update(place=target)
            target_keys.add(alias.key)
    if name_key(source.name) not in target_keys:
        PlaceAlias.objects.create(place=target, name=source.name, source=PlaceAlias.Source.MANUAL)


def complaints_rematch(*, batch_size: int = 2000) -> dict[str, int]:
    """Match every complaint's place text again (after the gazetteer or aliases changed).

    Batched by primary key, each batch in its own transaction, so a large table is neither
    locked nor held in memory. Idempotent: a second run changes nothing."""
    index = matching.get_index()
    summary = {"examined": 0, "changed": 0, "newly_matched": 0, "unmatched": 0}
    last_pk = 0
    while True:
        batch = list(
            Complaint.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only(
                "pk", "city", "city_key", "district", "postal_code", "city_place", "district_place"
            )[:batch_size]
        )
        if not batch:
            if summary["changed"]:
                caches.published_changed()
            return summary
        changed = []
        for complaint in batch:
            found = index.match(complaint.city, complaint.district, complaint.postal_code)
            city_key = name_key(complaint.city)[:200]
            if (complaint.city_place_id, complaint.district_place_id, complaint.city_key) != (
                found.city_id,
                found.district_id,
                city_key,
            ):
                complaint.city_key = city_key
                if complaint.city_place_id is None and found.matched:
                    summary["newly_matched"] += 1
                complaint.city_place_id, complaint.district_place_id = (
                    found.city_id,
                    found.district_id,
                )
                changed.append(complaint)
            if not found.matched:
                summary["unmatched"] += 1
        with transaction.atomic():
            Complaint.objects.bulk_update(changed, ["city_place", "district_place", "city_key"])
        summary["examined"] += len(batch)
        summary["changed"] += len(changed)
        last_pk = batch[-1].pk
