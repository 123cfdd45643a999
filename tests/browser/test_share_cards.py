"""Share cards in Chromium: what a crawler reads from a city's page (its Open Graph tags) and
the card image itself, loaded by the browser from the site and nowhere else."""

import pytest
from django.utils import translation

from complaints.models import Status
from reports import cards
from tests.factories import ComplaintFactory
from tests.helpers import release

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_COMBINATION = [("phone", "de"), ("phone", "en"), ("desktop", "de"), ("desktop", "en")]

# Loads an image as an <img> would (the site's CSP allows images from itself only).
LOAD_IMAGE = """async (url) => {
  const image = new Image();
  image.src = url;
  await image.decode();
  return [image.naturalWidth, image.naturalHeight];
}"""


def meta(page, key: str) -> str:
    attribute = "name" if key.startswith("twitter:") else "property"
    return page.locator(f'meta[{attribute}="{key}"]').get_attribute("content")


def published(count: int, city: str, district: str, problems: list[str]):
    ComplaintFactory.create_batch(
        count, city=city, district=district, status=Status.PUBLISHED, problems=problems
    )


@pytest.mark.parametrize("person", EVERY_COMBINATION, indirect=True)
def test_a_city_page_shares_a_card_the_site_draws_itself(person):
    page = person
    published(7, "Hamburg", "Altona", ["slow-data"])
    published(6, "Berlin", "Kreuzberg", ["no-data"])
    published(2, "Köln", "", ["no-signal"])
    release()

    # From the landing page through the evaluation to the city, as a visitor goes.
    page.goto(page.site + "/")
    with page.expect_navigation():
        page.locator(".site-header").get_by_role("link", name=label(page, "Evaluation")).click()
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Hamburg", exact=True).first.click()
    assert page.url == page.site + "/stats/hamburg/"

    image = meta(page, "og:image")
    assert image == page.site + f"/stats/hamburg/card.png?lang={page.language}&v=1"
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "twitter:image") == image
    assert meta(page, "og:url") == page.site + "/stats/hamburg/"
    assert "Hamburg" in meta(page, "og:title") and "7" in meta(page, "og:title")
    assert page.evaluate(LOAD_IMAGE, image) == [1200, 630]

    # The organizer releases more reports: the page names a new image, with the new count.
    published(6, "Hamburg", "Ottensen", ["slow-data"])
    release()
    page.reload()
    renewed = meta(page, "og:image")
    assert renewed.endswith("&v=2")
    assert "13" in meta(page, "og:title") and "13" in meta(page, "og:image:alt")
    assert page.evaluate(LOAD_IMAGE, renewed) == [1200, 630]
    # What the image shows is what the tags say (the Watch: nothing from another host).
    with translation.override(page.language):
        assert cards.card_text("city", "hamburg").alt == meta(page, "og:image:alt")


def label(page, text: str) -> str:
    with translation.override(page.language):
        return translation.gettext(text)
