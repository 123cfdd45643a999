"""The campaign's news as an Atom and an RSS feed (django.contrib.syndication): the updates
the organizer writes, the carriers' published statements (verbatim, signed), and the changes
of a place's status the organizer records (acknowledged, expansion planned, reported fixed),
newest first."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, linebreaks
from django.utils.http import parse_http_date_safe
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from complaints import responses
from complaints.campaign import selectors as campaign_selectors
from complaints.models import CampaignUpdate, CarrierStatement, Place, PlaceStatus

FEED_SIZE = 20
# Who writes the feed: Atom requires an author for the feed or for every entry. The campaign
# signs its updates and the statuses it records; a carrier signs its statement.
CAMPAIGN_AUTHOR = "Einzelfall"


@dataclass
class Entry:
    title: str
    html: str
    link: str
    published: datetime.datetime
    updated: datetime.datetime
    category: str
    author: str = ""  # blank: the campaign (CAMPAIGN_AUTHOR)


# -- the carriers' statements ---------------------------------------------------------------


@dataclass
class NewsItem:
    """A published statement as an entry of /updates/ and of the feeds."""

    id: int
    title: str
    text: str
    carrier_name: str
    status_label: str
    due_date: datetime.date | None
    published_at: datetime.datetime
    url: str  # on the city page
    is_statement: bool = True


def news(limit: int | None = None) -> list[NewsItem]:
    """The published statements, newest first (at most limit)."""
    found = (
        CarrierStatement.objects.filter(
            review=CarrierStatement.Review.PUBLISHED,
            case__carrier__in=list(settings.EINZELFALL_CARRIERS),
            case__place__merged_into=None,
        )
        .select_related("case__place__parent")
        .order_by("-published_at", "-id")
    )
    return [_news_item(s) for s in (found[:limit] if limit else found)]


def _news_item(statement: CarrierStatement) -> NewsItem:
    case = statement.case
    place = case.place
    city = place.parent if place.kind == Place.Kind.DISTRICT and place.parent_id else place
    name = f"{place.name} ({city.name})" if city is not place else place.name
    return NewsItem(
        id=statement.pk,
        title=f"{name}: {case.carrier_name}",
        text=statement.text,
        carrier_name=case.carrier_name,
        status_label=str(PlaceStatus.Kind(statement.status).label),
        due_date=statement.due_date,
        published_at=statement.published_at,
        url=reverse("reports:city", args=[city.slug]) + f"#statement-{statement.pk}",
    )


def _update_entries(request) -> list[Entry]:
    return [
        _update_entry(request, update)
        for update in campaign_selectors.published_updates()[:FEED_SIZE]
    ]


def _update_entry(request, update: CampaignUpdate) -> Entry:
    """An update in the feed's language, or in the other where only that one is written: its
    text then says which language it is in (a reader reads it with the right rules)."""
    feed_language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    title, body_html, language = update.in_language(feed_language)
    if language != feed_language:
        # Sanitized when saved (campaign.render_body): only wrapped, not escaped again.
        safe_html = mark_safe(body_html)  # noqa: S308
        body_html = format_html('<div lang="{}">{}</div>', language, safe_html)
    return Entry(
        title=title,
        # Sanitized HTML (campaign.render_body); readers show it as the entry's content.
        html=body_html,
        link=request.build_absolute_uri(update.get_absolute_url()),
        published=update.published_at,
        updated=update.updated_at,
        category=str(update.get_kind_display()),
    )


def _statement_entries(request) -> list[Entry]:
    return [
        Entry(
            title=item.title,
            html=statement_html(item),
            link=request.build_absolute_uri(item.url),
            published=item.published_at,
            updated=item.published_at,
            category=str(CampaignUpdate.Kind.CARRIER_RESPONSE.label),
            author=item.carrier_name,
        )
        for item in news(FEED_SIZE)
    ]


def statement_html(item: NewsItem) -> str:
    """The carrier's words verbatim (escaped, line breaks kept; no Markdown), signed and
    dated, with the status it gave."""
    due = ""
    if item.due_date:
        due = " · " + _("due %(date)s") % {"date": item.due_date.isoformat()}
    return format_html(
        "<blockquote>{}</blockquote><p>— {}, {} · {}{}</p>",
        mark_safe(linebreaks(item.text, autoescape=True)),  # noqa: S308 escaped by linebreaks
        item.carrier_name,
        timezone.localdate(item.published_at).isoformat(),
        item.status_label,
        due,
    )


def _status_entries(request) -> list[Entry]:
    entries = []
    for status in campaign_selectors.latest_place_statuses(FEED_SIZE):
        if status.carrier:  # a carrier's status comes with its statement (above)
            continue
        place = status.place
        city = place.parent if place.parent_id and place.kind == place.Kind.DISTRICT else place
        name = f"{place.name} ({city.name})" if city is not place else place.name
        day = timezone.make_aware(datetime.datetime.combine(status.date, datetime.time(9)))
        link = reverse("reports:city", args=[city.slug]) + f"#status-{status.pk}"
        entries.append(
            Entry(
                title=f"{name}: {status.get_status_display()}",
                html=format_html("<p>{}</p>", status.note) if status.note else "",
                link=request.build_absolute_uri(link),
                published=day,
                updated=day,
                category=_("status of a place"),
            )
        )
    return entries


class UpdatesRSSFeed(Feed):
    title = gettext_lazy("Einzelfall: campaign updates")
    description = gettext_lazy("News of the campaign and the carrier's responses.")
    author_name = CAMPAIGN_AUTHOR
    data_endpoint = True  # as responses.data_endpoint marks a data URL (tests find it by it)
    # The feed only reads: a POST gets the data URLs' 405 with Allow, not a CSRF 403.
    csrf_exempt = True

    def __call__(self, request, *args, **kwargs):
        # A data URL like the open-data files: HEAD, OPTIONS, conditional requests (a reader
        # polls every few minutes; a 304 spares it the whole feed).
        return responses.data_endpoint(self._conditional)(request, *args, **kwargs)

    def _conditional(self, request, *args, **kwargs):
        # A feed reader sends no Accept-Language: ?lang=en (the link on /updates/) asks for
        # the English feed; without it, the request's language as every page has it.
        language = responses.asked_language(request, get_language())
        with translation.override(language):
            full = super().__call__(request, *args, **kwargs)
        since = parse_http_date_safe(full.get("Last-Modified", ""))
        return responses.data_file(
            request,
            full.content,
            full["Content-Type"],
            "updates.atom" if self.feed_type is Atom1Feed else "updates.rss",
            last_modified=datetime.datetime.fromtimestamp(since, datetime.UTC) if since else None,
        )

    # Links are made from the request's host (as every other absolute link of the site), not
    # from the sites framework's Site, whose domain nobody keeps up to date. A feed instance
    # serves every thread, so the request travels as the feed's "object", not as an attribute.
    def get_object(self, request, *args, **kwargs):
        return request

    def link(self, request):
        return request.build_absolute_uri(reverse("complaints:updates"))

    def feed_url(self, request):
        return request.build_absolute_uri()

    def items(self, request):
        entries = _update_entries(request) + _statement_entries(request) + _status_entries(request)
        return sorted(entries, key=lambda e: e.published, reverse=True)[:FEED_SIZE]

    def item_link(self, item):
        return item.link

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.html

    def item_pubdate(self, item):
        return item.published

    def item_updateddate(self, item):
        return item.updated

    def item_categories(self, item):
        return [item.category]

    def item_author_name(self, item):
        return item.author or CAMPAIGN_AUTHOR


class UpdatesAtomFeed(UpdatesRSSFeed):
    feed_type = Atom1Feed
    subtitle = UpdatesRSSFeed.description
