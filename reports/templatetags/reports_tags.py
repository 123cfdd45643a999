from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def share(answers, answer):
    """The share in percent of one follow-up answer (None when its count is suppressed)."""
    return answers.share(answer) if answers else None
