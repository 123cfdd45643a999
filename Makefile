# Einzelfall: `make run` serves the site locally, `make test` runs every check.
# Needs only Python 3.11+ (python3.11 is preferred when present).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# make run is the local development server: DEBUG on unless the environment says otherwise.
RUN_ENV := DEBUG=$${DEBUG:-true}

.PHONY: css run serve test coverage imports bench screenshots lint install messages compilemessages clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# The Bootstrap the pages load: only the parts they use (assets/site.scss), compiled when a
# Sass source changed. Not committed (.gitignore); tests/conftest.py builds it when missing.
CSS := static/build/bootstrap.css
SASS := $(shell find assets -name '*.scss')

$(CSS): $(SASS) bin/build_css.py | $(STAMP)
	$(PY) bin/build_css.py

css: $(CSS)

run: $(STAMP) $(CSS)
	$(RUN_ENV) $(PY) manage.py migrate --no-input
	$(RUN_ENV) $(PY) manage.py load_places --country DE
	$(RUN_ENV) $(PY) manage.py seed_demo --if-empty --count 3000
	@$(RUN_ENV) $(PY) manage.py dev_superuser || true
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# make serve is the site as production runs it: DEBUG off (unless the environment says
# otherwise), settings from .env (or the file ENV_FILE names), gunicorn with the settings of
# einzelfall/gunicorn_conf.py, static files collected under hashed names and compressed
# (whitenoise). docs/deploy.md has the rest: nginx with TLS in front, cron, backups.
serve: $(STAMP) $(CSS)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py check --deploy
	$(VENV)/bin/gunicorn --config einzelfall/gunicorn_conf.py einzelfall.wsgi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Which package may import which: the contracts in pyproject.toml ([tool.importlinter]).
imports: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache

# The browser tests (tests/browser) need Chromium (Debian: apt install chromium) and, for the
# accessibility checks, axe-core from the npm registry; without them they are skipped, and
# the summary says why.
AXE := tests/browser/node_modules/axe-core/axe.min.js

# The suite runs under coverage.py with a data file per database (.coverage-sqlite,
# .coverage-postgresql: the one the test settings read); `make coverage` reports those that
# exist together. Some paths run on PostgreSQL only, so one database alone has no threshold:
# .ci/run asks for 90% of both (COVERAGE_FAIL_UNDER=90).
TEST_DB = $(shell $(PY) -c 'import os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "einzelfall.settings_test"); from django.db import connection; print(connection.vendor)')
COVERAGE_DATA := $(CURDIR)/.coverage

test: lint imports $(CSS)
	$(PY) manage.py makemigrations --check --dry-run --settings=einzelfall.settings_test
	@if [ ! -f $(AXE) ] && command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/browser --silent --no-audit --no-fund || \
		echo "axe-core could not be installed: the accessibility checks will be skipped."; fi
	@db="$(TEST_DB)" && [ -n "$$db" ] && rm -f $(COVERAGE_DATA)-$$db $(COVERAGE_DATA)-$$db.* && \
		echo "$(PY) -m coverage run -m pytest $(PYTEST_ARGS)  (on $$db)" && \
		$(PY) -m coverage run --data-file=$(COVERAGE_DATA)-$$db -m pytest $(PYTEST_ARGS) && \
		$(PY) -m coverage combine --quiet --data-file=$(COVERAGE_DATA)-$$db
	@# COVERAGE_REPORT=no: .ci/run's two runs side by side report once, after both.
	@[ "$(COVERAGE_REPORT)" = no ] || $(MAKE) --no-print-directory coverage

coverage: $(STAMP)
	@files=""; for db in sqlite postgresql; do \
		[ -f $(COVERAGE_DATA)-$$db ] && files="$$files $(COVERAGE_DATA)-$$db"; done; \
	[ -n "$$files" ] || { echo "No coverage data: run make test first."; exit 1; }; \
	$(PY) -m coverage combine --quiet --keep --data-file=$(COVERAGE_DATA) $$files && \
	echo "Coverage of$$(for f in $$files; do printf ' %s (%s)' "$${f##*/}" "$$(date -r $$f '+%F %R')"; done):" && \
	$(PY) -m coverage report --data-file=$(COVERAGE_DATA) \
		$(if $(COVERAGE_FAIL_UNDER),--fail-under=$(COVERAGE_FAIL_UNDER))

# Every benchmark in bench/ on PostgreSQL (BENCH_PG, default postgres://postgres@127.0.0.1:5432;
# Redis on 127.0.0.1:6379 is used when it answers), several runs each; rewrites
# docs/benchmarks.md. About half an hour; not part of make test. BENCH_ARGS="--quick" tries
# the whole chain in a few minutes, BENCH_ARGS="--only load" runs one.
# The page weight benchmark runs Lighthouse from the npm registry (bench/package.json).
# SIZE=10m: the evaluation, the export, the desk and the form at 10,000,000 complaints
# (docs/benchmarks-10m.md; about 1.5 hours and 40 GB of free disk, the databases dropped after).
bench: $(STAMP) $(CSS)
	@if [ ! -x bench/node_modules/.bin/lighthouse ]; then npm ci --prefix bench --silent --no-audit --no-fund; fi
	$(PY) bench/run.py $(if $(SIZE),--size $(SIZE)) $(BENCH_ARGS)

# The pictures in docs/ (form and stats, phone and desktop), from the browser tests.
screenshots: $(STAMP) $(CSS)
	SCREENSHOT_DIR=docs $(PY) -m pytest tests/browser -q -k "keyboard or charts or corrects_a_mistake"

# Regenerate the translation catalogues (needs GNU gettext; only for developers who change
# strings). The compiled .mo files are committed so that the site runs without gettext.
messages: $(STAMP)
	DEBUG=true $(PY) manage.py makemessages --locale de --locale en --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*'
	# The source strings are English: the English catalogue is the identity.
	$(PY) bin/fill_english_catalogue.py locale/en/LC_MESSAGES/django.po
	DEBUG=true $(PY) manage.py compilemessages --ignore '.venv/*'

compilemessages: $(STAMP)
	DEBUG=true $(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .import_linter_cache htmlcov .coverage .coverage.* .coverage-*
