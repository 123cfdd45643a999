"""Words, numbers and pictures on the public pages: the organizer's German marked as German,
dates in the page's language, translated service errors, one way of showing a hidden number,
and charts whose text stays readable on a phone."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone, translation

from complaints.campaign import markdown as campaign
from complaints.intake import services as intake
from complaints.models import Place, Status
from complaints.places import services as place_services
from reports import charts

from .factories import CampaignUpdateFactory, ComplaintFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE_CHART_WIDTH = 326  # a chart on a 390 px phone: the print page's body, the narrowest


def published(count, city, district="", **fields):
    return ComplaintFactory.create_batch(
        count, city=city, district=district, status=Status.PUBLISHED, **fields
    )


def english(client, path):
    return client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()


# The service's errors


def submit(**fields):
    values = {"problems": ["no-data"], "city": "Hamburg", "frequency": "daily", **fields}
    return intake.complaint_submit(**values)


@pytest.mark.parametrize(
    ("fields", "field", "code", "german"),
    [
        ({"carrier": "Nokia"}, "carrier", "invalid_choice", "Unbekannter Netzbetreiber Nokia."),
        ({"city": "12345"}, "city", "no_letter", "Ein Ortsname braucht Buchstaben."),
        ({"problems": []}, "problems", "required", "Bitte mindestens ein Problem auswählen."),
    ],
)
def test_the_submit_service_refuses_in_the_language_of_the_request(fields, field, code, german):
    with pytest.raises(ValidationError) as refused:
        submit(**fields)
    assert refused.value.error_dict[field][0].code == code
    # Lazy: the message is in the language of whoever shows it.
    with translation.override("de"):
        assert refused.value.message_dict[field] == [german]
    with translation.override("en"):
        assert refused.value.message_dict[field][0] != german


def test_merging_a_place_into_itself_is_refused_in_german():
    hamburg = Place.objects.get(kind=Place.Kind.CITY, name="Hamburg")
    moderator = UserFactory(is_staff=True)
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        place_services.places_merge(source=hamburg, target=hamburg, moderator=moderator)
    assert refused.value.code == "same_place"
    assert refused.value.messages == ["Ein Ort kann nicht mit sich selbst zusammengeführt werden."]


def test_assigning_a_name_nobody_used_is_refused_in_german():
    hamburg = Place.objects.get(kind=Place.Kind.CITY, name="Hamburg")
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        place_services.place_assign_raw_name(
            raw_key="nirgendwo", place=hamburg, moderator=UserFactory(is_staff=True)
        )
    assert refused.value.code == "nothing_to_assign"
    assert refused.value.messages == ["Keine nicht zugeordnete Meldung hat diesen Namen."]


# The news teaser


def test_the_teaser_keeps_the_sentences_apart():
    html = campaign.render_body(
        "## Zwischenstand\n\nO2 hat geantwortet:\n\n- mehr Sender in **Altona**\n- bis März\n\n"
        "Wir haben 8.000 Meldungen gezählt. „Danke!“"
    )
    assert campaign.teaser(html) == (
        "Zwischenstand. O2 hat geantwortet: mehr Sender in Altona; bis März. "
        "Wir haben 8.000 Meldungen gezählt. „Danke!“"
    )


def test_a_long_teaser_ends_with_an_ellipsis_not_a_comma():
    html = campaign.render_body(" ".join(["Wort,"] * 60))
    teaser = campaign.teaser(html, words=5)
    assert teaser == "Wort, Wort, Wort, Wort, Wort …"


def test_the_landing_page_teaser_keeps_its_punctuation(client):
    CampaignUpdateFactory(
        title="Erste Auswertung", body="## Zwischenstand\n\nWir haben gezählt &amp; geprüft."
    )
    page = client.get("/").content.decode()
    assert "Zwischenstand. Wir haben gezählt &amp; geprüft." in page


# The organizer's German on English pages


def test_english_pages_mark_the_german_news_as_german(client):
    update = CampaignUpdateFactory(title="Erste Auswertung", body="Wir haben gezählt.")
    for path in ["/", "/updates/", update.get_absolute_url()]:
        page = english(client, path)
        assert '<html lang="en">' in page
        title = re.search(r'<(h\d|a)[^>]*lang="de"[^>]*>(?:<a [^>]*>)?Erste Auswertung', page)
        assert title, path
        assert re.search(r'lang="de"[^>]*>(?:<p>)?Wir haben gezählt\.', page), path
    for path in ["/", "/updates/", update.get_absolute_url()]:
        main = client.get(path).content.decode().split("<main", 1)[1].split("</main>", 1)[0]
        assert 'lang="de"' not in main


# Dates and the "as of" sentence


def test_an_afternoon_time_in_english_ends_the_sentence_with_one_full_stop():
    moment = timezone.make_aware(datetime.datetime(2026, 3, 2, 15, 30))
    template = Template("{% load reports_tags %}{% as_of moment %}")
    with translation.override("en"):
        text = template.render(Context({"moment": moment}))
    assert text == "As of March 2, 2026, 3:30 p.m."
    with translation.override("de"):
        text = template.render(Context({"moment": moment}))
    assert text == "Stand: 2. März 2026 15:30."


def test_chart_dates_follow_the_language(client):
    published(6, "Hamburg", "Altona", submitted_at=timezone.now() - datetime.timedelta(days=3))
    published(6, "Hamburg", "Altona")
    day = timezone.localdate()
    assert day.strftime("%m/%d/%Y") in re.findall(r"<text[^>]*>([^<]*)", english(client, "/stats/"))
    assert day.strftime("%d.%m.%Y") in re.findall(
        r"<text[^>]*>([^<]*)", client.get("/stats/").content.decode()
    )


# Hidden numbers


def test_a_small_hidden_number_reads_less_than_k_and_links_to_the_explanation(client):
    published(9, "Hamburg", "Altona")
    published(7, "Hamburg", "Eimsbüttel")
    published(2, "Hamburg", "Ottensen")
    page = client.get("/stats/hamburg/").content.decode()
    districts = page.split('id="districts"', 1)[1].split("</table>", 1)[0]
    assert re.search(r'<a class="suppressed" href="/stats/data/#suppression">&lt; 5<', districts)
    # Eimsbüttel is hidden only to protect Ottensen: it is not "< 5".
    eimsbuettel = districts.split("Eimsbüttel", 1)[1].split("</tr>", 1)[0]
    assert "&lt; 5" not in eimsbuettel and "nicht gezeigt" in eimsbuettel
    data = client.get("/stats/data/").content.decode()
    assert 'id="suppression"' in data and "&lt; 5" in data


def test_the_suppression_note_links_to_the_explanation_on_every_page(client):
    published(6, "Hamburg", "Altona")
    for path in ["/stats/", "/stats/hamburg/", "/stats/print/"]:
        note = client.get(path).content.decode().split('data-testid="suppression-note"', 1)[1]
        assert 'href="/stats/data/#suppression"' in note.split("</p>", 1)[0], path


def test_hidden_shares_of_answers_are_explained(client):
    for answer, n in {"improved": 2, "unchanged": 2, "worse": 1}.items():
        published(
            n,
            "Hamburg",
            "Altona",
            email="x@example.org",
            followup_consent=True,
            followup_answer=answer,
            followup_answered_at=timezone.now(),
        )
    for city, answers in [("Berlin", (10, 8, 8)), ("München", (9, 7, 6))]:
        for answer, n in zip(["improved", "unchanged", "worse"], answers, strict=True):
            published(
                n,
                city,
                email="x@example.org",
                followup_consent=True,
                followup_answer=answer,
                followup_answered_at=timezone.now(),
            )
    page = client.get("/stats/hamburg/").content.decode()
    answers = page.split('id="h-answers"', 1)[1].split("</ul>", 1)[0]
    assert answers.count("&lt; 5") == 3
    assert "5 Antworten" in page
    assert 'data-testid="answers-hidden"' in page


# Charts


def chart_texts(svg: str):
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg)[1])
    return width, [float(size) for size in re.findall(r'<text[^>]*font-size="([\d.]+)"', svg)]


def test_chart_text_is_at_least_12_px_on_a_phone():
    svgs = [
        charts.bars([("Keine Datenverbindung", 30), ("Ottensen", None, True)], "t", "a", 5),
        charts.timeline([(datetime.date(2026, 3, 1), 3), (datetime.date(2026, 3, 9), 30)]),
        charts.hours([n % 7 for n in range(24)], "t", "h", "max. %(count)s"),
    ]
    for svg in svgs:
        width, sizes = chart_texts(svg)
        assert sizes
        assert min(sizes) * PHONE_CHART_WIDTH / width >= 12, svg[:80]


def test_the_hour_chart_has_a_table_of_its_numbers(client):
    published(6, "Hamburg", "Altona")
    page = client.get("/stats/").content.decode()
    assert 'class="chart chart-hours"' in page
    table = page.split('id="hours"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall("<tr>", table)) == 25  # the header and 24 hours
    hour = timezone.localtime(ComplaintFactory._meta.model.objects.first().submitted_at).hour
    assert re.search(rf"<td>{hour:02d}\u2013{hour + 1:02d}</td><td[^>]*>6</td>", table)
