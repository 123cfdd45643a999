import re


def field_block(html: str, field: str) -> str:
    """The HTML that crispy-forms renders for one field: its label, input, help and errors."""
    start = html.find(f'id="div_id_{field}"')
    assert start != -1, f"field {field!r} not rendered"
    following = re.compile(r'id="div_id_\w+"').search(html, start + 1)
    return html[start : following.start() if following else len(html)]


def field_errors(html: str, field: str) -> list[str]:
    block = field_block(html, field)
    return [
        re.sub(r"<[^>]+>", "", message).strip()
        for message in re.findall(
            r'class="invalid-feedback"[^>]*>(.*?)</(?:span|div|p)>', block, re.S
        )
    ]
