from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from reports import releases


class Command(BaseCommand):
    help = (
        "Release the public evaluation now when at least REPORTS_MIN_COUNT reports have been "
        "published since the last release; otherwise say how many are new and change nothing. "
        "Safe from cron (the site also checks on its own, EVALUATION_RELEASE_CHECK_SECONDS)."
    )

    # A command's output is in English like the other commands' (and cron's mail), whatever
    # language the site speaks.
    @no_translations
    def handle(self, *args, **options):
        try:
            release = releases.release_evaluation()
        except ValidationError as error:
            if error.code == "batch_too_small":
                # Not due is the usual answer between batches, not a failure of a cron job.
                self.stdout.write(f"{error.messages[0]} No release.")
                return
            raise CommandError(error.messages[0]) from None
        self.stdout.write(
            f"Release {release.number}: {release.published_count:,} published reports, "
            f"{release.new_count:,} of them new."
        )
