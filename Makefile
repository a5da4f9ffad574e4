# pdfpipe: `make run` processes the bundled samples, `make test` runs the suite.
# Both set everything up on a fresh machine (venv, packages, Tesseract data if missing).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PDFPIPE_DATA ?= $(CURDIR)/data
TESSDATA := /usr/share/tesseract-ocr/5/tessdata
PY_DIRS := pdfpipe_assets pdfpipe_launcher benchmarks tests
MAX_LINES := 400

.PHONY: help setup tessdata run test test-fast dev schema bench bench-tables bench-catalog cluster-demo eval load chaos lint fmt typecheck contracts check clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[test,postgres,dev,bench]'
	touch $@

# Tesseract's English and orientation data from Debian, when missing (needs root or sudo);
# without them pdfpipe falls back to RapidOCR, whose weights ship in its wheel.
tessdata:
	@if [ ! -f $(TESSDATA)/eng.traineddata ] || [ ! -f $(TESSDATA)/osd.traineddata ]; then \
	  echo "installing tesseract-ocr-eng and tesseract-ocr-osd"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  ( $$SUDO apt-get install -y -qq tesseract-ocr-eng tesseract-ocr-osd >/dev/null 2>&1 || \
	    ( $$SUDO apt-get update -qq >/dev/null 2>&1 && $$SUDO apt-get install -y -qq tesseract-ocr-eng tesseract-ocr-osd >/dev/null 2>&1 ) ) \
	  || echo "WARNING: could not install Tesseract data; OCR will use RapidOCR"; \
	fi

setup: $(VENV)/.installed tessdata  ## venv, packages and Tesseract data

run: setup  ## register and materialize every asset for samples/
	$(BIN)/pdfpipe run

test: setup  ## the test suite (corpus tests need ../shared/corpus or PDFPIPE_CORPUS)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-fast: setup  ## the tests that need no corpus: the fast lane and unit tests
	$(BIN)/python -m pytest -q -m "not corpus" $(PYTEST_ARGS)

lint: setup  ## ruff check and format check, the 400-line rule, the committed JSON Schema
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)
	@long=$$(find $(PY_DIRS) -name '*.py' -exec wc -l {} + | awk '$$2 != "total" && $$1 > $(MAX_LINES) {print "  " $$2 " (" $$1 " lines)"}'); \
	  if [ -n "$$long" ]; then echo "Python files over $(MAX_LINES) lines:"; echo "$$long"; exit 1; fi
	$(BIN)/pdfpipe schema --check

fmt: setup  ## format and fix what ruff can
	$(BIN)/ruff format $(PY_DIRS)
	$(BIN)/ruff check --fix $(PY_DIRS)

typecheck: setup  ## mypy on the pure layers (contracts, engines, fusion, catalog, stages)
	$(BIN)/mypy

contracts: setup  ## import-linter: the pure layers never import Dagster; engines, fusion, catalog independent
	$(BIN)/lint-imports

check: lint typecheck contracts  ## every guardrail .ci/run runs before the tests

dev: setup  ## the Dagster UI and daemon on 127.0.0.1:3000
	$(BIN)/pdfpipe dev

schema: setup  ## regenerate the fused document's JSON Schema
	$(BIN)/pdfpipe schema

clean:  ## remove ./data and caches
	rm -rf data .pytest_cache .mypy_cache .ruff_cache

bench: setup  ## throughput benchmark (QUICK=1: under 5 minutes); last line machine-readable
	$(BIN)/python -m benchmarks.bench $(if $(QUICK),--quick --sensor-files 2000,) $(BENCH_ARGS)

cluster-demo: setup  ## two Celery workers as two nodes (RabbitMQ, PostgreSQL): docs/hour, one worker vs two
	$(BIN)/python -m benchmarks.cluster $(CLUSTER_ARGS)

eval: setup  ## extraction quality against the ground truth beside the corpus PDFs
	$(BIN)/pdfpipe eval --corpus $(or $(CORPUS),../shared/corpus) $(EVAL_ARGS)

bench-tables: setup  ## ICDAR 2013 table figures: pdfpipe, PyMuPDF find_tables alone, pdfplumber alone
	$(BIN)/python -m benchmarks.tables_icdar $(TABLES_ARGS)

CATALOG_DATA ?= data/corpus
bench-catalog: setup  ## catalog update rate, embedding rate, search latency and recall (converts the corpus first)
	PDFPIPE_DATA=$(CATALOG_DATA) $(BIN)/pdfpipe run $(or $(CORPUS),../shared/corpus) > /dev/null || true
	$(BIN)/python -m benchmarks.catalog --data $(CATALOG_DATA) $(CATALOG_ARGS)

load: setup  ## 2,000 documents through sensor-launched runs on PostgreSQL
	$(BIN)/python -m benchmarks.load $(LOAD_ARGS)

chaos: setup  ## 500 documents on PostgreSQL with random SIGKILLs, then resume; nothing lost
	$(BIN)/python -m benchmarks.chaos $(CHAOS_ARGS)
