"""The Bootstrap subset (assets/site.scss) holds every Bootstrap class the site uses.

The class names come from where the pages get them: the templates, the crispy-bootstrap5
templates the forms render, the Python code (css_class=..., format_html strings, seeded page
HTML) and static/js. The reference is the full Bootstrap compiled from the same sources.
"""

import re
import sys
from functools import cache
from pathlib import Path

import crispy_bootstrap5
import crispy_forms
import pytest

from einzelfall.assets import STYLESHEETS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bin"))
import build_css  # noqa: E402

CRISPY = Path(crispy_bootstrap5.__file__).parent / "templates" / "bootstrap5"
# The crispy templates behind the layout objects the forms use (Layout, Fieldset, Div, Field,
# Submit, HTML) and the widgets they render; accordions, modals, tabs and the like are unused.
CRISPY_USED = [
    "whole_uni_form.html",
    "uni_form.html",
    "display_form.html",
    "errors.html",
    "field.html",
    "inputs.html",
    "multifield.html",
    *(
        f"layout/{name}.html"
        for name in [
            "attrs",
            "baseinput",
            "div",
            "fieldset",
            "field_errors",
            "field_errors_block",
            "help_text",
            "help_text_and_errors",
            "radio_checkbox_select",
            "checkboxselectmultiple_inline",
            "radioselect_inline",
            "field_file",
        ]
    ),
]
TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S)
QUOTED = re.compile(r"""(["'])(.*?)\1""")
CLASS_ATTR = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.S)
# {% crispy_field field 'class' 'form-control is-invalid' %}
CLASS_IN_TAG = re.compile(r"""["']class["']\s+["']([^"']*)["']""")
PYTHON_CLASS = re.compile(
    r"""(?:\bclass\s*=\s*\\?["']|\bcss_class\s*=\s*["']|\bfield_classes\s*=\s*["']"""
    r"""|["']class["']\s*:\s*["'])([^"'\\]*)"""
)
JS_CLASS = re.compile(
    r"""\bclass\s*=\s*\\?["']([^"'\\]*)|\bclassName\s*=\s*["'`]([^"'`]*)"""
    r"""|\bclassList\.\w+\(([^)]*)\)"""
)


def template_classes(text: str) -> set[str]:
    names = set()
    for match in CLASS_ATTR.finditer(text):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        # class="btn {% if x %}btn-primary{% endif %} {{ y|default:'w-100' }}"
        for tag in TEMPLATE_TAG.findall(value):
            for _, literal in QUOTED.findall(tag):
                names.update(literal.split())
        names.update(TEMPLATE_TAG.sub(" ", value).split())
    for value in CLASS_IN_TAG.findall(text):
        names.update(value.split())
    return names


def code_classes(text: str, pattern: re.Pattern) -> set[str]:
    names = set()
    for match in pattern.finditer(text):
        for group in match.groups():
            if group:
                names.update(re.sub(r"""["'`,]""", " ", group).split())
    return names


@cache
def used_classes() -> frozenset[str]:
    names = set()
    templates = [*(ROOT / "templates").rglob("*.html"), *(CRISPY / n for n in CRISPY_USED)]
    for package in ("complaints", "reports", "einzelfall"):
        templates += (ROOT / package).rglob("*.html")
        for path in (ROOT / package).rglob("*.py"):
            names |= code_classes(path.read_text(encoding="utf-8"), PYTHON_CLASS)
    for path in templates:
        names |= template_classes(path.read_text(encoding="utf-8"))
    crispy = Path(crispy_forms.__file__).parent
    for path in (crispy / "layout.py", crispy / "bootstrap.py"):
        names |= code_classes(path.read_text(encoding="utf-8"), PYTHON_CLASS)
    for path in (ROOT / "static" / "js").glob("*.js"):
        names |= code_classes(path.read_text(encoding="utf-8"), JS_CLASS)
    return frozenset(names)


def defined_classes(css: str) -> set[str]:
    """Every class a selector of this (compressed) CSS names."""
    names = set()
    for selector in re.findall(r"([^{}]*)\{", css):
        names.update(re.findall(r"\.(-?[A-Za-z_][\w-]*)", selector))
    return names


@cache
def full_classes() -> frozenset[str]:
    return frozenset(defined_classes(build_css.compile_css(full=True)))


def test_the_collector_finds_classes_where_the_pages_get_them():
    """A collector that found nothing would let any subset pass."""
    used = used_classes()
    expected = {
        "btn-lg",  # crispy Submit(css_class=...) in complaints/intake/forms.py
        "form-control",  # crispy_bootstrap5's field.html, {% crispy_field ... 'class' ... %}
        "is-invalid",  # the same, when a field has errors
        "btn-primary",  # crispy_forms' Submit.field_classes
        "visually-hidden",  # static/js/copy-link.js className
        "h4",  # page HTML seeded by a migration
        "container",  # templates/base.html
    }
    assert expected <= used, expected - used
    assert template_classes(
        """<a class="btn {% if x %}btn-sm{% endif %} {{ c|default:'w-auto' }}">"""
    ) == {"btn", "btn-sm", "w-auto"}


def test_the_subset_defines_every_bootstrap_class_in_use():
    subset = defined_classes(build_css.compile_css())
    missing = sorted((used_classes() & full_classes()) - subset)
    assert not missing, f"used but left out of assets/site.scss: {missing}"


def test_the_subset_is_much_smaller_than_bootstrap():
    subset, full = build_css.compile_css(), build_css.compile_css(full=True)
    assert len(subset) < len(full) / 2, (len(subset), len(full))


def test_the_built_file_is_the_subset():
    """What the pages load is what assets/site.scss compiles to (make rebuilt it)."""
    built = (ROOT / "static" / "build" / "bootstrap.css").read_text(encoding="utf-8")
    assert built == build_css.compile_css(), "static/build/bootstrap.css is stale: make css"


def test_the_stylesheets_named_once_are_those_base_html_links():
    source = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    linked = re.findall(r"""<link rel="stylesheet" href="\{% static '([^']+)' %\}">""", source)
    assert tuple(linked) == STYLESHEETS


@pytest.mark.django_db
def test_a_page_links_the_subset_and_it_is_served(client):
    page = client.get("/")
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.content.decode())
    assert links[0].endswith("/build/bootstrap.css"), links
    css = client.get(links[0])
    assert css.status_code == 200
    assert b"".join(css.streaming_content).startswith(b":root")
