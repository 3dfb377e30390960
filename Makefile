# Parley: `make run` installs and starts it, `make test` installs and runs every test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DEPS   := $(PY) -c "import sys, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	print('\n'.join(p['dependencies'] + [d for extra in sys.argv[1:] for d in p['optional-dependencies'][extra]]))"
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check lint soak install install-test chromium postgresql engines cluster bench css screenshots clean \
	messages catalogs

run: $(VENV)/.installed catalogs
	PARLEY_DEMO=$${PARLEY_DEMO:-true} PARLEY_INBOUND_SMTP=$${PARLEY_INBOUND_SMTP:-127.0.0.1:2525} $(PY) main.py

test: lint catalogs chromium postgresql engines
	$(PY) -m pytest

# The quick loop: lint, types, import contracts and the service tests (SQLite and PostgreSQL), no browser.
check: lint catalogs postgresql
	$(PY) -m pytest tests/services -q

# ruff (rules in pyproject.toml), mypy on models/ and services/, import-linter's contracts (the layers, no cycles
# between services, services that must not know each other).
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# The reliability soak: 50 agents and 50 customers (3 pairs in Chromium) talking against a Parley process,
# six rounds of 60 s (about 10 minutes); bench/results/soak.json, figures in docs/RELIABILITY.md.
soak: $(VENV)/.installed-test chromium
	$(PY) -m bench.soak

# Parley as a cluster on loopback until Ctrl+C: a private PostgreSQL, Redis, 3 processes, HAProxy (bench/cluster.py).
cluster: $(VENV)/.installed-test postgresql engines
	$(PY) -m bench.cluster

# Benchmarks against the floor (bench/floor.py), several minutes: bench/results/latest.json and .md, README table.
bench: $(VENV)/.installed-test chromium
	$(PY) -m bench.run

# ui/utilities.css, the utility classes ui/ uses, built with NiceGUI's Tailwind in Chromium (ui/stylesheet.py);
# run it after changing classes in ui/ (a browser test fails until you do).
css: $(VENV)/.installed-test chromium
	$(PY) -m ui.stylesheet

# docs/screenshot.png and docs/live-chat.png, the README's pictures, from a fresh demo workspace.
screenshots: $(VENV)/.installed-test chromium
	$(PY) docs/screenshots.py

# Languages (services/i18n.py). `make messages` extracts every marked string from ui/, services/ and the email templates
# into locales/parley.pot and merges it into each locales/*/LC_MESSAGES/parley.po (translate the new entries there;
# a test fails while one is untranslated or fuzzy). `make catalogs` compiles the .po files into the .mo files Parley
# reads (make run and make test do it; the .mo files are not committed).
BABEL_KEYWORDS := -k N_ -k ngettext:1,2 -k NotFound -k Forbidden -k InvalidInput -k Throttled -k SignedOut \
	-k PasswordFirst -k ParleyError -k TooLarge -k aria -k prop:2 -k deferred -k require_admin:2 -k checked_id:2 -k pN_:1c,2
CATALOGS := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/parley.po))

messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F locales/babel.cfg $(BABEL_KEYWORDS) --add-location=file --sort-by-file --width=120 \
		--project=Parley --copyright-holder=Parley -o locales/parley.pot .
	$(VENV)/bin/pybabel update -i locales/parley.pot -d locales -D parley --no-fuzzy-matching --ignore-obsolete --width=120

catalogs: $(VENV)/.installed $(CATALOGS)

locales/%/LC_MESSAGES/parley.mo: locales/%/LC_MESSAGES/parley.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d locales -D parley -l $* --statistics

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(DEPS) > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(DEPS) test > $(VENV)/requirements-test.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements-test.txt
	touch $@

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

# The tests start a private PostgreSQL of their own (tests/postgres.py) from Debian's server package.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "Installing Debian's postgresql for the tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql; }

# Redis and HAProxy for the cluster tests and `make cluster` (started privately on loopback, never as services).
engines:
	@command -v redis-server >/dev/null 2>&1 && command -v haproxy >/dev/null 2>&1 || { \
		echo "Installing Debian's redis-server and haproxy for the cluster"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server haproxy; }

clean:
	rm -rf $(VENV) .pytest_cache
