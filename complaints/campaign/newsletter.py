"""The campaign newsletter: a campaign update the organizer queues in the back office goes to
every confirmed follower who asked for it, in their language (sent by manage.py send_digests)."""

from django.utils import timezone


def queue(updates) -> int:
    """Queue these campaign updates as newsletters (those not queued yet); how many were."""
    return updates.filter(newsletter_queued_at=None, is_published=True).update(
        newsletter_queued_at=timezone.now()
    )
