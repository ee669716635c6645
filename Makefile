# Two entry points; both work on a fresh machine (they create .venv themselves).
#   make run   install, migrate, load the UK councils, create the first user, serve :5000
#   make test  install with test and bench extras, Chromium and the document tools (OCR,
#              catdoc, pdftotext), lint, run the whole suite

VENV    := .venv
PYTHON  := $(VENV)/bin/python
PIP     := $(PYTHON) -m pip --disable-pip-version-check --quiet

.PHONY: run test

run: $(VENV)/.installed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/run-dev

test: $(VENV)/.installed-test
	bash scripts/install-browser
	bash scripts/install-tools
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/test

$(PYTHON):
	python3 -m venv $(VENV)

# Stamps: reinstall only when pyproject.toml changes (or the venv is new).
$(VENV)/.installed: pyproject.toml | $(PYTHON)
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PYTHON)
	$(PIP) install -e ".[test,bench]"
	touch $@ $(VENV)/.installed
