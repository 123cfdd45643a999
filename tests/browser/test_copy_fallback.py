"""The copy buttons in a browser without the Clipboard API (a site over http, an old browser):
copy-link.js falls back to the copy command and says only what was really copied."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)
EVERY_COMBINATION = [("phone", "de"), ("phone", "en"), ("desktop", "de"), ("desktop", "en")]

# No navigator.clipboard (kept aside to read what landed there); document.execCommand
# records what was selected when it was called, and fails when the test says so.
NO_CLIPBOARD_API = """
window.realClipboard = navigator.clipboard;
delete Navigator.prototype.clipboard;
window.copied = [];
window.copyWorks = true;
const execCommand = document.execCommand.bind(document);
document.execCommand = function (command) {
  const active = document.activeElement;
  const text = active && typeof active.selectionStart === "number"
    ? active.value.slice(active.selectionStart, active.selectionEnd)
    : String(window.getSelection());
  window.copied.push({command: command, text: text});
  return window.copyWorks ? execCommand(command) : false;
};
"""


def last_copied(page) -> str:
    copied = page.evaluate("() => window.copied")
    assert copied and copied[-1]["command"] == "copy"
    return copied[-1]["text"]


@pytest.mark.parametrize("person", EVERY_COMBINATION, indirect=True)
def test_without_the_clipboard_api_signal_gets_the_text_and_the_link_or_is_told_not(person):
    page = person
    page.add_init_script(NO_CLIPBOARD_API)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.site)
    city_page = page.site + "/stats/hamburg/"
    page.goto(city_page)
    assert page.evaluate("() => navigator.clipboard") is None
    text = page.get_by_test_id("share").get_attribute("data-share-text")
    assert "Hamburg" in text
    status = page.get_by_test_id("share-copy-status")

    # "Copy for Signal": the text and the link, as the message says, and in the clipboard.
    signal = page.get_by_test_id("share-signal")
    signal.scroll_into_view_if_needed()
    scrolled = page.evaluate("() => window.scrollY")
    signal.click()
    expect(status).to_have_text(signal.get_attribute("data-copied"))
    assert page.evaluate("() => window.scrollY") == scrolled  # the page stayed where it was
    expect(status).to_contain_text("Signal")
    expect(status).to_contain_text("Text und Link" if page.language == "de" else "Text and link")
    assert last_copied(page) == f"{text} {city_page}"
    assert page.evaluate("() => window.realClipboard.readText()") == f"{text} {city_page}"
    expect(signal).to_be_focused()  # the helper's textarea is gone, the person is where they were
    assert page.locator("textarea").count() == 0

    # "Copy link": the link alone.
    page.get_by_test_id("share-copy").click()
    expect(status).to_have_text("Link kopiert." if page.language == "de" else "Link copied.")
    assert last_copied(page) == city_page

    # The copy command refuses: no claim; the link is selected for the device's own command.
    page.evaluate("() => { window.copyWorks = false; }")
    signal.click()
    expect(status).to_have_text(signal.get_attribute("data-failed"))
    expect(status).not_to_contain_text("Signal")
    assert page.evaluate("() => String(window.getSelection())") == city_page

    # The /embed/ page's code box, through the same script.
    page.goto(page.site + "/embed/")
    button = page.get_by_test_id("copy-counter-frame")
    button.click()
    expect(page.locator("[data-copy-link]", has=button).locator("[data-copy-status]")).to_have_text(
        button.get_attribute("data-copied")
    )
    code = page.get_by_test_id("code-counter-frame").input_value()
    assert code.startswith(f'<iframe src="{page.site}/embed/counter/')
    assert last_copied(page) == code
