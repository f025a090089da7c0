# The two commands of the README: `make book` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PRESET ?= quick
DEVICE ?= auto
JOBS ?= 2  # worker processes for the book's runs (one torch thread each on a CPU): ~1.3x the runs per hour of one on 2 cores
RESULTS ?= results
BUILD ?= _build

.PHONY: venv test book book-check vendor clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

vendor:
	bash tools/vendor_static.sh book/_static/vendor

book: $(STAMP) vendor
	$(PY) tools/build_book.py --preset $(PRESET) --device $(DEVICE) --jobs $(JOBS) --results-dir $(RESULTS) --out $(BUILD)

book-check: $(STAMP)
	$(PY) tools/browser_check.py $(BUILD)/html

clean:
	rm -rf $(BUILD)
