"""Following a place by email: the sign-up, its double opt-in, and unsubscribing.

The links carry signed tokens (the rows' ids, a purpose and a keyed hash of the address,
never the address): tampered, expired, for another purpose or for a row deleted since, they
are a 404. Opening a link shows a button; only the POST confirms or unsubscribes, because
mail scanners open every link in a mail. Unsubscribing is one POST without a form too
(RFC 8058), and deletes the row: an address is kept only while it is subscribed.

The sign-up answers the same whatever the address's state (new, waiting, already
following), so that the form tells nobody who follows what; and an address gets at most one
mail per place per hour and MAILS_PER_DAY a day, however often the form is sent.
"""

import contextlib
import hmac
import logging

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from complaints.intake import abuse
from complaints.intake.confirmation import address_digest
from complaints.models import Follower, Place
from complaints.places import matching
from complaints.places.names import name_key
from complaints.privacy.retention import UNCONFIRMED_FOLLOWER_DAYS
from einzelfall import cache_keys

SALT = "einzelfall.follow"
CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"  # one place (the digest's and the confirmation mail's link)
NEWSLETTER = "newsletter"  # the newsletter, for every place of the address
MAX_AGE = {
    CONFIRM: UNCONFIRMED_FOLLOWER_DAYS * 24 * 3600,
    UNSUBSCRIBE: 400 * 24 * 3600,
    NEWSLETTER: 400 * 24 * 3600,
}
# Per client (as the report form's limits, in a group of their own): valid forms sent.
RATE_LIMITS = ["5/10m", "20/d"]
MAIL_PLACE_SECONDS = 3600
MAILS_PER_DAY = 5
logger = logging.getLogger(__name__)


# -- tokens ---------------------------------------------------------------------------------


def token(followers: Follower | list[Follower], purpose: str) -> str:
    rows = followers if isinstance(followers, list) else [followers]
    return signing.dumps(
        [[f.pk for f in rows], purpose, address_digest(rows[0].email)], salt=SALT, compress=True
    )


def followers_for(value: str, purpose: str) -> list[Follower]:
    """The rows a token is for that still exist with the same address ([] for a tampered,
    expired or foreign token, or when they are all gone)."""
    try:
        pks, found_purpose, digest = signing.loads(value, salt=SALT, max_age=MAX_AGE[purpose])
        pks = [int(pk) for pk in pks][:100]
    except (signing.BadSignature, ValueError, TypeError):
        return []
    if found_purpose != purpose or not isinstance(digest, str):
        return []
    rows = Follower.objects.filter(pk__in=pks).select_related("city", "district")
    return [f for f in rows if hmac.compare_digest(digest, address_digest(f.email))]


def url(name: str, value: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[value])


# -- abuse ----------------------------------------------------------------------------------


def over_limit(ip: str) -> int:
    """Count one more sign-up from this client; 0 when allowed, else seconds to wait."""
    return abuse.count_client(ip, RATE_LIMITS, cache_keys.follow_rate)


def mailbox(email: str) -> str:
    """The mailbox an address reaches, for the mail limits only (the row keeps the address as
    typed): lower case, the domain in punycode, without a plus tag ("a+1@x" is "a@x")."""
    local, _, domain = email.strip().lower().rpartition("@")
    with contextlib.suppress(UnicodeError):  # not a valid IDN: as typed
        domain = domain.encode("idna").decode("ascii")
    return local.split("+", 1)[0] + "@" + domain


def _may_mail(email: str, city_id: int | None, district_id: int | None) -> bool:
    """One mail per mailbox and place an hour, MAILS_PER_DAY per mailbox: a mail bomb sent
    through the form reaches its victim once, however the address is spelled. Keyed hashes
    only: no address in a cache key."""
    digest = address_digest(mailbox(email))
    if not cache.add(cache_keys.follow_mail(digest, city_id, district_id), 1, MAIL_PLACE_SECONDS):
        return False
    day_key = cache_keys.follow_mails_on(digest, timezone.localdate().isoformat())
    cache.add(day_key, 0, 24 * 3600)
    try:
        return cache.incr(day_key) <= MAILS_PER_DAY
    except ValueError:  # expired in between
        return cache.add(day_key, 1, 24 * 3600)


# -- services -------------------------------------------------------------------------------


def _same_place(email: str, city: Place | None, district: Place | None):
    rows = Follower.objects.annotate(email_lower=Lower("email")).filter(
        email_lower=email.strip().lower()
    )
    rows = rows.filter(city=city) if city else rows.filter(city__isnull=True)
    return rows.filter(district=district) if district else rows.filter(district__isnull=True)


def follow_request(
    *, email: str, city: Place | None, district: Place | None, language: str, newsletter: bool
) -> Follower | None:
    """Someone asked to follow a place (city None: the campaign newsletter alone): a new row
    waits for its confirmation (a waiting one is renewed, a confirmed one left as it is:
    nobody changes another's settings by typing their address), and a mail goes out unless
    one did within the hour. Returns the row mailed, None when no mail was due."""
    email = email.strip()
    now = timezone.now()
    try:
        with transaction.atomic():
            follower = _same_place(email, city, district).select_for_update().first()
            if follower is None:
                follower = Follower(email=email, city=city, district=district, created_at=now)
            if follower.confirmed_at is None:
                follower.language, follower.newsletter = language, newsletter
                follower.consent_at, follower.created_at = now, now
                follower.privacy_policy_version = settings.PRIVACY_POLICY_VERSION
                follower.full_clean(validate_unique=False, validate_constraints=False)
                follower.save()
    except IntegrityError:  # the same address sent twice at once: the other request mails
        return None
    if not _may_mail(email, city.pk if city else None, district.pk if district else None):
        return None
    send_confirmation(follower)
    return follower


def follower_confirm(*, follower: Follower) -> None:
    Follower.objects.filter(pk=follower.pk, confirmed_at=None).update(confirmed_at=timezone.now())
    follower.refresh_from_db()


def follower_unsubscribe(*, follower: Follower) -> None:
    """The row goes, and the address with it."""
    Follower.objects.filter(pk=follower.pk).delete()


def address_unsubscribe(*, follower: Follower) -> int:
    """Every place this address follows; how many rows went."""
    rows = Follower.objects.annotate(email_lower=Lower("email"))
    return rows.filter(email_lower=follower.email.lower()).delete()[0]


def newsletter_unsubscribe(*, followers: list[Follower]) -> None:
    """No newsletter for this address any more; the places it follows stay followed (a row
    that was the newsletter alone goes, with its address)."""
    rows = Follower.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in={f.email.lower() for f in followers}
    )
    rows.filter(city__isnull=True).delete()
    rows.update(newsletter=False)


# -- mails ----------------------------------------------------------------------------------


def city_label(city) -> str:
    """A city's name, with its state when another city has the same name ("Schönberg
    (Bayern)"): the form, the pages and the mails never leave in doubt which one is meant."""
    index = matching.get_index()
    namesakes = [
        pk
        for pk in index.city_keys.exact.get(name_key(city.name), [])
        if (place := index.places.get(pk)) and place.kind == "city" and place.name == city.name
    ]
    if len(namesakes) > 1 and city.state:
        return f"{city.name} ({city.state})"
    return city.name


def place_name(follower: Follower) -> str:
    """The place followed, as the pages and mails name it ("" for the newsletter alone)."""
    if follower.city_id is None:
        return ""
    if follower.district_id:
        return f"{follower.district.name} ({city_label(follower.city)})"
    return city_label(follower.city)


def city_url(follower: Follower) -> str:
    if follower.city_id is None:
        return settings.SITE_URL.rstrip("/") + reverse("complaints:landing")
    return settings.SITE_URL.rstrip("/") + reverse("reports:city", args=[follower.city.slug])


def mail(
    *, to: str, language: str, template: str, context: dict, unsubscribe_url: str, connection=None
) -> bool:
    """Render templates/complaints/email/<template>_subject.txt and _body.txt in `language`
    and send them with the one-click unsubscribe headers; False when sending failed (the
    caller logs it: an SMTP error's text holds the address). `connection`: a run's one
    open connection (get_connection()), else one for this mail."""
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {**context, "unsubscribe_url": unsubscribe_url}
        subject = render_to_string(f"complaints/email/{template}_subject.txt", context)
        body = render_to_string(f"complaints/email/{template}_body.txt", context)
    message = EmailMessage(
        " ".join(subject.split()),
        body,
        to=[to],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    try:
        message.send()
    except Exception as error:  # any transport error; logged by kind, never the address
        logger.error("A follower mail (%s) could not be sent (%s)", template, type(error).__name__)
        if connection is not None:  # a dropped connection: the next mail gets a fresh one
            reopen(connection)
        return False
    return True


def reopen(connection) -> None:
    """Close and open a run's connection again; a server that is down fails the next mails
    (counted by the caller), not the run."""
    with contextlib.suppress(Exception):
        connection.close()
    try:
        connection.open()
    except Exception as error:
        logger.error("The mail connection could not be opened (%s)", type(error).__name__)


def send_confirmation(follower: Follower) -> bool:
    """The confirmation link, or for an address that follows the place already a reminder
    with its unsubscribe link (the form page said the same in both cases)."""
    context = {
        "place": place_name(follower),
        "city_url": city_url(follower),
        "confirm_url": url("complaints:follow-confirm", token(follower, CONFIRM)),
        "already": follower.confirmed_at is not None,
        "newsletter_only": follower.city_id is None,
    }
    return mail(
        to=follower.email,
        language=follower.language,
        template="follow_confirm",
        context=context,
        unsubscribe_url=url("complaints:follow-unsubscribe", token(follower, UNSUBSCRIBE)),
    )
