# The two commands a newcomer needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test check test-sqlite lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Whole system on the embedded default (SQLite + a broker in an SQLite file):
# migrate, demo data, web server, Celery worker and beat, until Ctrl-C.
run: install
	$(BIN)/python manage.py migrate --noinput
	PORT=$(PORT) $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} PORT=$(PORT) bin/run

check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

# One pytest process per core (pytest-xdist); the tests that start or drive an
# outside service take turns through a lock (tests/conftest.py).
PYTEST_PARALLEL := -n auto

# The whole suite against DATABASE_URL / CELERY_BROKER_URL (defaults: SQLite and
# the embedded broker); when that database is not SQLite, the database-portable
# core tests run again on SQLite so both engines are proven.
test: check
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) --durations=15
	@case "$${DATABASE_URL:-sqlite}" in \
	  sqlite*) ;; \
	  *) echo "== tests/gjj again on SQLite =="; \
	     env -u DATABASE_URL GJJ_VAR_DIR=$(CURDIR)/var/sqlite-pass $(BIN)/python -m pytest $(PYTEST_PARALLEL) tests/gjj -m "not postgres";; \
	esac

lint: check

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
