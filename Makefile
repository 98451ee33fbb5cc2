# Quick start: `make run` serves the inbox with demo data; `make test` runs every test, browser ones included.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
DATA_DIR ?= data
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-unit test-e2e install install-test chromium migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
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

test-unit: install-test
	$(BIN)/python -m pytest tests -q

test-e2e: install-test chromium
	$(BIN)/python -m pytest e2e -q

# Two pytest runs: NiceGUI's simulated-user tests and Playwright cannot share one process.
test: test-unit test-e2e

clean:
	rm -rf $(VENV) build *.egg-info
