"""The key pages look exactly the same with the Bootstrap subset as with the full Bootstrap:
pixel for pixel, on a phone and a desktop. The reference loads the full Bootstrap, compiled
from the same sources, in place of the subset (the browser's request is answered with it)."""

import io
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from complaints.models import Status
from tests.factories import CampaignUpdateFactory, ComplaintFactory
from tests.helpers import release

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bin"))
import build_css

pytestmark = pytest.mark.django_db(transaction=True)

SUBSET_URL = "**/static/build/bootstrap.css"
RULES = "() => document.styleSheets[0].cssRules.length"


@pytest.fixture(scope="module")
def full_bootstrap() -> str:
    return build_css.compile_css(full=True)


@pytest.fixture
def browser_context_args(browser_context_args):
    # A service worker would answer the stylesheet itself, past the swap of the reference.
    return {**browser_context_args, "service_workers": "block"}


def report_with_errors(page):
    page.goto(page.site + "/report/")
    page.locator("#id_postal_code").fill("803")
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()


def visit(path):
    return lambda page: page.goto(page.site + path)


def picture(page, action) -> tuple[Image.Image, int]:
    action(page)
    page.wait_for_load_state("networkidle")
    shot = page.screenshot(full_page=True, animations="disabled", caret="hide")
    return Image.open(io.BytesIO(shot)).convert("RGB"), page.evaluate(RULES)


@pytest.mark.parametrize("person", [("phone", "de"), ("desktop", "en")], indirect=True)
def test_the_key_pages_look_the_same_with_the_subset(person, full_bootstrap, tmp_path):
    page = person
    ComplaintFactory.create_batch(
        12, city="Hamburg", district="Altona", status=Status.PUBLISHED, problems=["slow-data"]
    )
    ComplaintFactory.create_batch(
        7, city="Berlin", district="Kreuzberg", status=Status.PUBLISHED, problems=["no-data"]
    )
    release()
    # The landing page and /updates/ show updates, a carrier's answer with its badge.
    CampaignUpdateFactory()
    CampaignUpdateFactory(kind="carrier-response")
    thanks = ComplaintFactory().private_url()
    pages = {
        "landing": visit("/"),
        "report": visit("/report/"),
        "report-errors": report_with_errors,
        "stats": visit("/stats/"),
        "city": visit("/stats/hamburg/"),
        "follow": visit("/follow/"),
        "embed": visit("/embed/"),
        "updates": visit("/updates/"),
        "thanks": visit(thanks),
    }
    different = []
    for name, action in pages.items():
        subset, subset_rules = picture(page, action)
        page.route(
            SUBSET_URL,
            lambda route: route.fulfill(body=full_bootstrap, content_type="text/css"),
        )
        full, full_rules = picture(page, action)
        page.unroute(SUBSET_URL)
        # The reference really had the full Bootstrap (else the two could not differ).
        assert full_rules > 2 * subset_rules, (name, full_rules, subset_rules)
        box = ImageChops.difference(subset, full).getbbox() if subset.size == full.size else 1
        if box:
            subset.save(tmp_path / f"{name}-subset.png")
            full.save(tmp_path / f"{name}-full.png")
            different.append(f"{name}: {subset.size} vs {full.size}, differs in {box}")
    assert not different, f"{page.device}: " + "; ".join(different) + f" (pictures in {tmp_path})"
