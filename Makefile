# The two commands of the README: `make book` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PRESET ?= quick
DEVICE ?= auto
JOBS ?= 2  # worker processes for the book's runs (one torch thread each on a CPU): ~1.3x the runs per hour of one on 2 cores
FRESH ?=   # FRESH=1: read no shipped run, recompute everything into its own store (results-fresh)
STRICT ?=  # STRICT=1: stop when a shipped run is stale (its key is not the current code's) instead of recomputing it
RESULTS ?= $(if $(FRESH),results-fresh,results)
DATA_GET ?= fashionmnist  # real data sets the book reads, fetched by `phnlab data get` (system copy, download, apt-get)
BUILD ?= _build
DATA_ROOT ?=  # where the real data sets live (default: $PHNLAB_DATA, else ~/.cache/phnlab/data)
ROOT_ARG = $(if $(strip $(DATA_ROOT)),--data-root $(strip $(DATA_ROOT)))

.PHONY: venv test book book-check vendor data reproduce clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[book,slurm,logging,test]'
	touch $(STAMP)

test: $(STAMP) data
	$(PY) -m pytest

vendor:
	bash tools/vendor_static.sh book/_static/vendor

data: $(STAMP)
	@for name in $(DATA_GET); do $(VENV)/bin/phnlab data get $$name $(ROOT_ARG) || echo "make: $$name is missing: the chapters that read it say so"; done

book: $(STAMP) vendor data
	$(PY) tools/build_book.py --preset $(PRESET) --device $(DEVICE) --jobs $(JOBS) --results-dir $(RESULTS) --out $(BUILD) $(ROOT_ARG) \
		$(if $(FRESH),--fresh) $(if $(STRICT),--strict)

# the paper's setting in one command: make reproduce PRESET=paper DATA_ROOT=/data DEVICE=cuda (checks the data,
# prints the plan and its device time, then computes every run; `make book` with the same variables renders them)
reproduce: $(STAMP)
	$(VENV)/bin/phnlab reproduce --preset $(PRESET) --device $(DEVICE) --jobs $(JOBS) --results-dir $(RESULTS) $(ROOT_ARG)

book-check: $(STAMP)
	$(PY) tools/browser_check.py $(BUILD)/html

clean:
	rm -rf $(BUILD)
