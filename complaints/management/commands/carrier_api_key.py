from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from complaints.carrier.open311 import keys
from complaints.models import CarrierApiKey


class Command(BaseCommand):
    help = (
        "Make an API key for a carrier's program (Open311, docs/open311.md): printed once, "
        "only its hash is kept. --list shows the keys (their first characters), --revoke "
        "PREFIX revokes the key that begins so."
    )

    def add_arguments(self, parser):
        parser.add_argument("carrier", nargs="?", help="The carrier's slug.")
        parser.add_argument("--name", help="What the key is used for (to make a key).")
        parser.add_argument("--revoke", metavar="PREFIX", help="Revoke the key with this prefix.")
        parser.add_argument("--list", action="store_true", dest="list_keys", help="List the keys.")

    def handle(self, *args, carrier=None, name=None, revoke=None, list_keys=False, **options):
        if list_keys:
            return self._list(carrier)
        if revoke:
            return self._revoke(revoke)
        if not carrier or not name:
            raise CommandError("Give a carrier and --name to make a key (or --list, --revoke).")
        try:
            made = keys.make(carrier=carrier, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Made {made.key}. The key (shown only now):"))
        self.stdout.write(made.secret)
        return None

    def _list(self, carrier):
        found = CarrierApiKey.objects.all()
        if carrier:
            found = found.filter(carrier=carrier)
        for key in found:
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
            self.stdout.write(f"{key.prefix}\t{key.carrier}\t{state}\tlast used {used}\t{key.name}")

    def _revoke(self, prefix):
        found = CarrierApiKey.objects.filter(prefix=prefix.strip())
        if not found.exists():
            raise CommandError(f"No key begins with {prefix!r} (see --list).")
        count = keys.revoke(found)
        self.stdout.write(self.style.SUCCESS(f"Revoked {count} key(s) beginning with {prefix}."))
