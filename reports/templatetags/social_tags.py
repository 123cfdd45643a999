"""Open Graph and Twitter card tags of the public pages (reports/cards.py draws the image)."""

from django import template

register = template.Library()


@register.inclusion_tag("reports/_social.html", takes_context=True)
def social_meta(context, page: str, city=None):
    """The share tags of the landing page ("landing"), /stats/ ("stats") or a city ("city")."""
    return {"request": context["request"], "title": context.get("share_title", "Einzelfall")}
