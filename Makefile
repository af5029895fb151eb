# The two commands a newcomer needs:
#   make run   - set everything up and serve the demo store at http://127.0.0.1:$(PORT)
#   make test  - install what the tests need and run the whole suite (what CI runs)

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs on this many processes (pytest-xdist); 0 runs it in this one.
PYTEST_WORKERS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test bench wheel setup install install-dev env chromium wrk axe lint check clean

run: setup
	bin/run-dev

test: install-dev env chromium axe lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The store's speed against its baselines through gunicorn and wrk, one table (not a test;
# see README, "Benchmark"). BENCH_ARGS="--quick" for short rounds, "--only webhooks" for one part.
BENCH_ARGS ?=
bench: install-dev wrk
	$(BIN)/python -m tests.bench.run $(BENCH_ARGS)

# The reusable app alone as a wheel (wagtail-stripe-commerce) in dist/, built offline.
wheel: install-dev
	$(BIN)/python bin/build-wheel dist

setup: install env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_store

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt

# `.env` is created from the documented defaults once; later edits are yours.
env: .env
.env:
	cp envs/.env.dist .env
	@echo "Created .env from envs/.env.dist"

# make bench drives Debian's wrk, installed once.
wrk:
	@if ! command -v wrk >/dev/null 2>&1; then \
		echo "Installing Debian's wrk for make bench"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; \
	fi

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; \
	fi

# Browser tests check every shopper page with axe-core, from npm at the version
# package-lock.json pins; installed once (with Debian's nodejs and npm if they are missing).
axe:
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
		if ! command -v npm >/dev/null 2>&1; then \
			echo "Installing Debian's nodejs and npm for axe-core"; \
			$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; \
		fi; \
		npm ci --ignore-scripts --no-audit --no-fund; \
	fi

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache .ruff_cache node_modules dist
