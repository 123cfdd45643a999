import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Development only (DEBUG on): make sure a superuser 'admin' exists and print its login. "
        "The password is random and kept in .dev-superuser so that every run prints the same one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password-file",
            default=str(Path(settings.BASE_DIR) / ".dev-superuser"),
            help="Where the generated password is kept (git-ignored).",
        )

    def handle(self, *args, password_file, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing to create a development superuser with DEBUG off.")
        path = Path(password_file)
        User = get_user_model()
        user = User.objects.filter(username=USERNAME).first()
        password = path.read_text().strip() if path.exists() else ""
        if user is None or not password or not user.check_password(password):
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_superuser(USERNAME, email="", password=password)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            path.write_text(password + "\n")
            path.chmod(0o600)
        admin_url = "/" + settings.ADMIN_URL
        self.stdout.write(
            self.style.SUCCESS(
                f"Development admin: http://127.0.0.1:8000{admin_url}  "
                f"user: {USERNAME}  password: {password}"
            )
        )
