"""Settings for bench/load.py: the site as `make serve` runs it, plus the floor view."""

from einzelfall.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
