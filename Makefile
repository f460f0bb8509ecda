# Two commands do all setup: `make run` and `make test` (each creates .venv and installs on first use).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: run test install install-desktop clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) main.py $(ARGS)

test: $(STAMP)
	$(VENV)/bin/lint-imports --config setup.cfg
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

install-desktop: $(STAMP)
	$(PY) -m ui.desktop_entry

clean:
	rm -rf $(VENV) build *.egg-info
