# Two commands: `make run` starts the product, `make test` runs every check.
# Both need only Python 3.11 and make: they create .venv and install the pinned requirements.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TEST_SETTINGS := supportdesk.settings.test
# pytest-xdist workers for `make test`: most of a test's time is spent waiting on PostgreSQL,
# Redis and subprocesses, so two workers on two cores finish sooner than one.
TEST_WORKERS ?= 2

.PHONY: install run test lint browser bench stop clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

run: install
	$(BIN)/python -m supportdesk.run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The browser tests drive Debian's chromium: installed here when missing and apt-get can (as root).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); } || \
		echo "chromium is not installed: the browser tests are skipped, or fail under CI (apt-get install chromium)"

test: lint browser
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

bench: install
	$(BIN)/python -m bench

stop: install
	$(BIN)/python -m supportdesk.embedded stop

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
