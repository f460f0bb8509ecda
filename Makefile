# Two commands do all setup: `make run` and `make test` (each creates .venv and installs on first use).
# `make run` installs what the app needs (the light default install: no TensorFlow);
# `make test` installs everything (all extras plus the test tools).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test
ARGS ?=

.PHONY: run test mutation install install-desktop wheel clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(APP_STAMP): setup.cfg setup.py pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $(APP_STAMP)

$(TEST_STAMP): setup.cfg setup.py pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP) $(APP_STAMP)

install: $(APP_STAMP)

run: $(APP_STAMP)
	$(PY) main.py $(ARGS)

test: $(TEST_STAMP)
	$(VENV)/bin/lint-imports --config setup.cfg
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# Mutation testing of the live path, the model check, file I/O and recording (docs/TESTING.md): slow
# (about half an hour on two cores), so not part of `make test`; writes docs/MUTATION.md.
mutation: $(TEST_STAMP)
	nice -n 15 $(PY) tools/mutation.py --jobs 2 --report docs/MUTATION.md --min-score 90

wheel: $(TEST_STAMP)
	$(PY) -m build --outdir dist .

install-desktop: $(APP_STAMP)
	$(PY) -m ui.desktop_entry

clean:
	rm -rf $(VENV) build dist *.egg-info
