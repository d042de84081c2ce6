# PACTESUR platform: everyday commands. Only python3 (3.11+) is needed; everything else goes
# into .venv, created on first use. `make help` lists the targets.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Re-install when pyproject.toml is newer than this stamp.
STAMP := $(VENV)/.installed
ADDR ?= 127.0.0.1:8000
# gunicorn worker processes for `make serve`.
WORKERS ?= 3
# Extra arguments for pytest, e.g. `make test ARGS="tests/accounts -x"`.
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run serve test lint format bench bench-digest bench-catalogue bench-registrations demo worker beat messages check-deploy \
	migrate compile-missing-messages

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev tools (when needed)

migrate: $(STAMP)
	@mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

# The .mo files are committed: compile only when one is missing and gettext is installed.
compile-missing-messages: $(STAMP)
	@missing=no; for po in $$(find locale -name '*.po' 2>/dev/null); do \
		[ -f "$${po%.po}.mo" ] || missing=yes; done; \
	if [ $$missing = yes ]; then \
		if command -v msgfmt >/dev/null; then $(MANAGE) compilemessages --ignore=.venv; \
		else echo "Some .mo files are missing and msgfmt is not installed (apt install gettext)."; fi; \
	fi

run: export DJANGO_DEBUG := true
run: migrate compile-missing-messages ## Set up and start the site on http://127.0.0.1:8000 with demo data
	$(MANAGE) seed_demo
	$(MANAGE) runserver $(ADDR)

# Production-like: DEBUG off (hashed static files served by WhiteNoise, the site's error pages),
# gunicorn. HTTPS defaults to on when DEBUG is off: over plain http, DJANGO_HTTPS=false make serve.
serve: export DJANGO_DEBUG := false
serve: migrate compile-missing-messages ## Production-like run: collectstatic, migrate, gunicorn, DEBUG off (see README)
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo "Serving http://$(ADDR)/ with DEBUG off. HTTPS redirects are on unless DJANGO_HTTPS=false."
	exec $(BIN)/gunicorn pactesur.wsgi --bind $(ADDR) --workers $(WORKERS) --access-logfile -

demo: migrate ## (Re)build the demo data and print the demo logins
	$(MANAGE) seed_demo

# One process: pytest-xdist measured no faster on 2 cores, and its workers would share (and
# clear) one Redis cache. See README, Development.
test: $(STAMP) ## Run the test suite on whatever DATABASE_URL says (SQLite by default)
	$(BIN)/pytest $(ARGS)

lint: $(STAMP) ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: $(STAMP) ## Fix what ruff can fix, then format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) ## Run the benchmarks (figures, not pass/fail)
	$(BIN)/python bench/run.py

bench-catalogue: $(STAMP) ## Trainings and offers at scale, for-me matching (issues 11, 12)
	$(BIN)/python bench/catalogue.py $(ARGS)

bench-registrations: $(STAMP) ## The registration burst: 300 members at once for 45 seats
	$(BIN)/python bench/registrations.py $(ARGS)

bench-digest: $(STAMP) ## The digest benchmark: 10,000 subscribers, a real worker, Redis, SMTP sink
	$(BIN)/python bench/digest.py $(ARGS)

worker: $(STAMP) ## Start a Celery worker (needs REDIS_URL or CELERY_BROKER_URL)
	@$(MANAGE) shell --verbosity 0 -c 'from django.conf import settings; import sys; sys.exit(0 if settings.CELERY_BROKER_URL else "No broker: set REDIS_URL (e.g. redis://127.0.0.1:6379/0). Without one, tasks run in-process and no worker is needed.")'
	$(BIN)/celery -A pactesur worker --loglevel=INFO

beat: $(STAMP) ## Start Celery beat, the periodic scheduler (needs REDIS_URL)
	@mkdir -p var
	@$(MANAGE) shell --verbosity 0 -c 'from django.conf import settings; import sys; sys.exit(0 if settings.CELERY_BROKER_URL else "No broker: set REDIS_URL (e.g. redis://127.0.0.1:6379/0).")'
	$(BIN)/celery -A pactesur beat --loglevel=INFO --schedule=var/celerybeat-schedule

messages: $(STAMP) ## Extract French messages into locale/ and compile them (needs gettext)
	@mkdir -p locale
	$(MANAGE) makemessages -l fr --ignore=.venv --ignore=var --ignore=bench
	$(MANAGE) compilemessages --ignore=.venv

check-deploy: $(STAMP) ## Django's deployment checklist, with the current environment
	$(MANAGE) check --deploy --fail-level WARNING
