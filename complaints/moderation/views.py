"""The moderation desk's pages (registered by ComplaintAdmin.get_urls).

STUB written by the lead: the desk helper fills it in."""


def desk_urls(model_admin) -> list:
    """The desk's URL patterns, under <admin>/complaints/complaint/ (before the admin's own)."""
    return []
