# Quick start: `make run` serves the inbox with demo data; `make test` runs every test, browser ones included.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
DATA_DIR ?= data
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint test-unit test-e2e test-postgres postgresql haproxy install install-test chromium node css css-check migrate demo clean i18n-extract i18n-update i18n-compile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install i18n-compile
	INBOX_DATA_DIR=$${INBOX_DATA_DIR:-$(DATA_DIR)} $(BIN)/inbox serve --demo-if-empty

migrate: install
	$(BIN)/inbox migrate

demo: install
	$(BIN)/inbox demo

chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }
	@$(CHROMIUM) --version

# Two workers (this machine has 2 cores); each test file runs whole on one worker (its module fixtures once).
XDIST := -n 2 --dist loadfile
test-unit: install-test i18n-compile
	$(BIN)/python -m pytest tests -q $(XDIST)

test-e2e: install-test chromium i18n-compile
	$(BIN)/python -m pytest e2e -q

# Lint (pyproject.toml): ruff (style, import order, likely bugs), mypy (types of services/ and db/), import-linter
# (the layers of DESIGN.md: which folder may import which). All three run; any finding fails the target.
lint: install-test
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/lint-imports || status=1; \
	exit $$status

# PostgreSQL (README "Running on PostgreSQL"): the service and API suites again, each test on a database of its own
# copied from a template migrated once per run (tests/postgres.py). The UI suites (NiceGUI's simulated user), the mail
# suites and e2e stay on SQLite: they test pages, SMTP and browsers over the same services; one browser journey runs
# two server processes on one PostgreSQL database, directly and through HAProxy (e2e/test_two_processes.py). Tests of SQLite's own
# machinery are marked sqlite_only. With INBOX_TEST_DATABASE_URL (postgresql+asyncpg://user:password@host:port/db,
# a role that may create databases) that server is used; else a throwaway cluster (Debian's pg_virtualenv).
# A server that cannot be reached fails the run.
PG_VERSION ?= 15
POSTGRES_TESTS := tests/test_api_chat.py tests/test_carts_and_orders.py tests/test_inbox_commands.py \
  tests/test_list_reader.py tests/test_managing.py tests/test_message_lane.py tests/test_message_stores.py \
  tests/test_message_writer.py tests/test_messages.py tests/test_notification_pace.py tests/test_presence.py \
  tests/test_product_import.py tests/test_sharing.py tests/test_staff_and_cli.py tests/test_staff_sessions.py \
  tests/test_store_import.py tests/test_tagging.py tests/test_postgres_copy.py \
  tests/test_event_relay.py tests/test_typing.py tests/test_product_pictures.py tests/test_process_locks.py tests/mail/test_two_senders.py tests/test_reports.py \
  tests/test_staff_admin.py tests/test_store_settings.py tests/test_customer_erasure.py \
  tests/test_customer_export.py tests/test_saved_replies.py tests/test_blocking.py tests/test_api_tokens.py \
  tests/test_staff_api.py tests/test_ratings.py tests/test_ratings_api.py tests/test_webhooks.py \
  tests/test_webhook_delivery.py tests/test_notes.py tests/test_notes_never_reach_shopper.py \
  tests/test_availability.py tests/test_availability_api.py tests/test_instant_answers.py tests/test_audit.py \
  tests/test_retention.py tests/mail/test_erasure_races.py
POSTGRES_PYTEST := $(BIN)/python -m pytest -q $(XDIST) -m "not sqlite_only" $(POSTGRES_TESTS)
# The browser journey with two server processes on one database (its own pytest run, as for test-e2e).
POSTGRES_E2E := INBOX_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -q e2e/test_two_processes.py

postgresql:
	@test -x /usr/lib/postgresql/$(PG_VERSION)/bin/postgres && command -v pg_virtualenv >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql-$(PG_VERSION) >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq postgresql-$(PG_VERSION) >/dev/null; fi; }

# HAProxy (Debian's package) for `inbox cluster` and its browser journey.
haproxy:
	@command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq haproxy >/dev/null; fi; }

test-postgres: install-test chromium haproxy i18n-compile
	@if [ -n "$$INBOX_TEST_DATABASE_URL" ]; then $(POSTGRES_PYTEST) && $(POSTGRES_E2E); else \
	  $(MAKE) --no-print-directory postgresql && \
	  pg_virtualenv -t -v $(PG_VERSION) -o fsync=off -o synchronous_commit=off -o full_page_writes=off sh -c \
	    'export INBOX_TEST_DATABASE_URL="postgresql+asyncpg://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE" && \
	    $(POSTGRES_PYTEST) && $(POSTGRES_E2E)'; fi

# Two pytest runs: NiceGUI's simulated-user tests and Playwright cannot share one process.
test: css-check lint test-unit test-e2e test-postgres

# Styles (README "Styles"): the Tailwind utilities used in pages/ and components/, compiled into the committed
# app/styles/tailwind.css. Only changing classes needs Node; running the inbox does not.
STYLES := app/styles
TAILWIND := $(STYLES)/node_modules/.bin/tailwindcss

node:
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm >/dev/null; fi; }

$(TAILWIND): $(STYLES)/package.json $(STYLES)/package-lock.json | node
	cd $(STYLES) && npm ci --no-audit --no-fund --silent
	touch $@

css: $(TAILWIND)
	$(TAILWIND) -i $(STYLES)/tailwind.input.css -o $(STYLES)/tailwind.css --minify

css-check: $(TAILWIND)
	@$(TAILWIND) -i $(STYLES)/tailwind.input.css -o $(STYLES)/node_modules/.tailwind.check.css --minify 2>/dev/null
	@cmp -s $(STYLES)/node_modules/.tailwind.check.css $(STYLES)/tailwind.css || { \
	  echo 'app/styles/tailwind.css is not what the classes in pages/ and components/ give: run make css'; exit 1; }
	@echo 'app/styles/tailwind.css is up to date'

# Translations (README "Translations"): extract the strings into locale/messages.pot, merge it into every
# locale/<lang>/LC_MESSAGES/messages.po, compile each .po into a .mo (not committed; the app also reads a .po).
LANGUAGES := da de fi nl it
MO_FILES := $(foreach lang,$(LANGUAGES),locale/$(lang)/LC_MESSAGES/messages.mo)
PYBABEL_KEYWORDS := -k _ -k ngettext:1,2 -k N_ -k pgettext:1c,2 -k NP_:1c,2

i18n-extract: install
	$(BIN)/pybabel extract -F babel.cfg $(PYBABEL_KEYWORDS) --no-location --sort-output --project=merchant-inbox \
	  --copyright-holder='merchant-inbox' -o locale/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i locale/messages.pot -d locale --no-fuzzy-matching --ignore-obsolete --width=120

locale/%/LC_MESSAGES/messages.mo: locale/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

i18n-compile: $(MO_FILES)

# Benchmarks (about 10 minutes on 2 cores): figures beside same-run baselines, written to bench/results.md.
.PHONY: bench bench-postgres
bench: install-test chromium haproxy
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	@if [ -n "$$INBOX_BENCH_DATABASE_URL" ]; then $(BIN)/python -m bench.run_all; else \
	  $(MAKE) --no-print-directory postgresql && \
	  pg_virtualenv -t -v $(PG_VERSION) sh -c \
	    'INBOX_BENCH_DATABASE_URL="postgresql+asyncpg://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE" \
	    $(BIN)/python -m bench.run_all'; fi

# PostgreSQL ingest with 1 and 2 processes (bench/postgres_ingest.py) on a throwaway cluster, or on
# INBOX_BENCH_DATABASE_URL when given.
bench-postgres: install-test haproxy
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	@if [ -n "$$INBOX_BENCH_DATABASE_URL" ]; then $(BIN)/python -m bench.postgres_ingest; else \
	  $(MAKE) --no-print-directory postgresql && \
	  pg_virtualenv -t -v $(PG_VERSION) sh -c \
	    'INBOX_BENCH_DATABASE_URL="postgresql+asyncpg://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE" \
	    $(BIN)/python -m bench.postgres_ingest'; fi

clean:
	rm -rf $(VENV) build *.egg-info
