# Two commands set the portal up on a fresh clone: `make run` and `make test`.
PORT ?= 8000
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
FIXTURE := fixtures/kubecon-eu-2022.json

.PHONY: install run serve nginx test lint bench messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the dependencies change.
$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --editable ".[test]"
	touch $@

install: $(INSTALLED)

# The development server, and beside it the worker that sends email (portal/outbox.py); Ctrl-C stops both.
run: export DEBUG ?= true
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loaddata $(FIXTURE)
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production on this machine: nginx on 127.0.0.1:$(PORT) in front of gunicorn, DEBUG off, until Ctrl-C.
serve: install nginx
	$(PY) deploy/serve.py --port $(PORT) $(SERVE_ARGS)

nginx:
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx)

# Tests run with DEBUG off, as production does; the key only signs test sessions.
test: export SECRET_KEY ?= test-only-secret-key-not-for-production
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff: the house style's formatting, imports and Django checks (pyproject.toml); node: the scripts parse.
lint: install
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	@# A script that does not parse stops everything it would have added, silently: node reads each one.
	if command -v node >/dev/null; then for script in static/js/*.js; do node --check $$script || exit 1; done; fi

# The catalogues of the languages the portal ships (locale/): every marked string of the code, templates and
# scripts, then compiled. Needs GNU gettext (Debian's gettext package). Translate what is new in the .po files,
# then run it again; tests/test_translations.py fails while a string is untranslated or a file out of date.
MESSAGES := $(PY) manage.py makemessages --all --add-location=file --no-obsolete $(foreach dir,$(MESSAGES_IGNORE),--ignore=$(dir))
MESSAGES_IGNORE := .venv node_modules staticfiles tests bench docs fixtures
messages: install
	DEBUG=true $(MESSAGES) --domain django
	DEBUG=true $(MESSAGES) --domain djangojs --extension js
	DEBUG=true $(PY) manage.py compilemessages --ignore .venv --ignore node_modules

# Throughput of the 600-talk conference beside a static ceiling; prints a Markdown table.
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .serve
