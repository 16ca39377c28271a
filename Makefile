# One command runs Parley, one runs the tests. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint setup demo check bench screenshots clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Parley needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py create_demo_superuser

run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup lint
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

check: setup
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: setup
	$(PY) bench/run.py

# Each page at 1280 and 390 px into test-artifacts/screenshots/, and the README's docs/timeline.png (needs Chromium).
screenshots: setup
	PARLEY_README_SCREENSHOT=1 $(PY) -m pytest tests/browser/test_publish_browser.py -q -p no:cacheprovider \
		-k "photographed or readme"

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache
