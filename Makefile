# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test install worker dev-server clean distclean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install  ## dev server + SQLite: load the demo portfolio, run worker and workflows, live view
	$(PY) starter.py demo

test: install  ## type check, then the whole suite: unit, workflow, store (SQLite + PostgreSQL), end-to-end
	@# PostgreSQL down: start it; tests whose PostgreSQL or chromium is missing are skipped with one line why
	@.ci/start-postgres
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -n 4 --dist loadscope --no-loadscope-reorder  # four workers on two cores: most tests wait on servers and timers; a module stays on one

worker: install
	$(PY) worker.py

dev-server: install
	$(PY) starter.py dev-server

clean:  ## forget the demo's and the CLI's state and the build artefacts; the virtualenv stays
	rm -rf .data build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean  ## everything `make install` made too: the virtualenv
	rm -rf $(VENV)
