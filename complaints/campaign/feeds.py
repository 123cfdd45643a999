"""The campaign's news as an Atom and an RSS feed (django.contrib.syndication): the updates
the organizer writes, and the changes of a place's status (acknowledged, expansion planned,
reported fixed), newest first."""

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.campaign import selectors as campaign_selectors

FEED_SIZE = 20


@dataclass
class Entry:
    title: str
    html: str
    link: str
    published: datetime.datetime
    updated: datetime.datetime
    category: str


def _update_entries(request) -> list[Entry]:
    return [
        Entry(
            title=update.title,
            # Sanitized HTML (campaign.render_body); readers show it as the entry's content.
            html=update.body_html,
            link=request.build_absolute_uri(update.get_absolute_url()),
            published=update.published_at,
            updated=update.updated_at,
            category=str(update.get_kind_display()),
        )
        for update in campaign_selectors.published_updates()[:FEED_SIZE]
    ]


def _status_entries(request) -> list[Entry]:
    entries = []
    for status in campaign_selectors.latest_place_statuses(FEED_SIZE):
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
        entries = _update_entries(request) + _status_entries(request)
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


class UpdatesAtomFeed(UpdatesRSSFeed):
    feed_type = Atom1Feed
    subtitle = UpdatesRSSFeed.description
