from django.core.exceptions import ImproperlyConfigured


def require_secret_key() -> None:
    """Refuse to serve without a real SECRET_KEY. Called by wsgi.py and asgi.py.

    The settings leave the key empty when DEBUG is off and none is configured, so that
    commands that need no key still run; serving is where it must fail, loudly and at once.
    """
    from django.conf import settings

    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses an empty key on access
        key = ""
    if not key:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
