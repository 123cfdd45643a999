"""The campaign updates as an Atom and an RSS feed (django.contrib.syndication)."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from . import selectors

FEED_SIZE = 20


class UpdatesRSSFeed(Feed):
    title = _("Einzelfall: campaign updates")
    description = _("News of the campaign and the carrier's responses.")

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
        items = list(selectors.published_updates()[:FEED_SIZE])
        for item in items:
            item.absolute_url = request.build_absolute_uri(item.get_absolute_url())
        return items

    def item_link(self, item):
        return item.absolute_url

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Sanitized HTML (campaign.render_body); feed readers show it as the entry's content.
        return item.body_html

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.get_kind_display()]


class UpdatesAtomFeed(UpdatesRSSFeed):
    feed_type = Atom1Feed
    subtitle = UpdatesRSSFeed.description
