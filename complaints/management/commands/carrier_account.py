from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from complaints.carrier import accounts


class Command(BaseCommand):
    help = (
        "Create a carrier's back-office user (staff, group Carrier), or link an existing user "
        "to a carrier: that user reaches only this carrier's complaints. A user without a "
        "password gets a one-time link to set one (printed here, valid for "
        "PASSWORD_RESET_TIMEOUT). Superusers, organizers and moderators are refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--carrier", required=True, help="The carrier's slug.")
        parser.add_argument("--email", help="The user's email address.")

    def handle(self, *args, username, carrier, email=None, **options):
        try:
            linked = accounts.link(username, carrier, email)
        except ValidationError as error:
            raise CommandError(" ".join(_messages(error))) from None
        self.stdout.write(self.style.SUCCESS(linked.summary()))
        if not linked.user.has_usable_password():
            self.stdout.write(
                "Link to set a password (works once): " + accounts.password_link(linked.user)
            )


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [f"{field}: {m}" for field, ms in error.message_dict.items() for m in ms]
    return error.messages
