# Samhandling: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in mail and calendar files point where the server listens (a wildcard address is not
# one a browser can open, so 0.0.0.0 links to this machine).
SITE_HOST := $(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST))
# The demo runs with DEBUG on and synthetic ids allowed unless the environment says otherwise,
# and shows the app's own error pages: what a user sees, not Django's debug pages.
RUN_ENV := DEBUG=$${DEBUG:-true} ALLOW_SYNTHETIC_IDS=$${ALLOW_SYNTHETIC_IDS:-true} \
	DEMO_PORTAL_LOGIN=$${DEMO_PORTAL_LOGIN:-true} \
	APP_ERROR_PAGES=$${APP_ERROR_PAGES:-true} SITE_URL=$${SITE_URL:-http://$(SITE_HOST):$(PORT)} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost,$(SITE_HOST)}

.PHONY: install messages oidc-provider run test lint worker documents-worker beat bench makemessages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Compiles locale/*/LC_MESSAGES/django.po with Babel, so no system gettext is needed.
messages: install
	$(VENV)/bin/pybabel compile --domain django --directory locale --statistics 2>&1 | tail -n 2

run: messages
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py seed_demo
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# The login tests start a real OpenID provider (npm oidc-provider, run by Debian's nodejs).
OIDC_DIR := tests/oidc
$(OIDC_DIR)/node_modules/.package-lock.json: $(OIDC_DIR)/package.json $(OIDC_DIR)/package-lock.json
	npm ci --prefix $(OIDC_DIR) --no-audit --no-fund --loglevel=error

oidc-provider: $(OIDC_DIR)/node_modules/.package-lock.json

# Two processes by default (these machines have two cores), one test file per process at a time,
# so a file's fixtures and any fixed port or process it starts stay within one process.
TEST_WORKERS ?= 2
test: messages oidc-provider
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

worker: install
	$(PY) -m celery -A config worker --loglevel=INFO --concurrency=2

# PDF renders (queue "documents") one at a time, so a burst of prints uses at most one core and
# never waits behind, or holds up, mail and reminders on the default queue. At a lower CPU priority
# than the web workers: prints wait a little longer, pages stay quick (docs/scaling.md).
DOCUMENTS_NICE ?= 5
documents-worker: install
	nice -n $(DOCUMENTS_NICE) $(PY) -m celery -A config worker --loglevel=INFO --concurrency=1 \
		--queues=documents --hostname=documents@%h

beat: install
	$(PY) -m celery -A config beat --loglevel=INFO --schedule=$${CELERY_BEAT_SCHEDULE_FILE:-/tmp/samhandling-beat-schedule}

# Both sizes side by side, with the flat-cost table (about half an hour; seeds each database
# first). make bench BENCH_PATIENTS=20000 for one size.
BENCH_PATIENTS ?= 20000,200000
bench: messages
	$(PY) bench/run.py --patients $(BENCH_PATIENTS)

# Extract new strings (needs GNU gettext) into the Norwegian catalogue.
makemessages: install
	DEBUG=true $(PY) manage.py makemessages --locale nb --extension html,txt,py,jinja --ignore '.venv/*' --ignore 'bench/*' --no-obsolete

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 $(OIDC_DIR)/node_modules
