# pdfpipe: `make run` processes the bundled samples, `make test` runs the suite.
# Both set everything up on a fresh machine (venv, packages, Tesseract data if missing).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PDFPIPE_DATA ?= $(CURDIR)/data
TESSDATA := /usr/share/tesseract-ocr/5/tessdata

.PHONY: setup tessdata run test dev schema bench eval load clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[test,postgres]'
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

setup: $(VENV)/.installed tessdata

run: setup
	$(BIN)/pdfpipe run

test: setup
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

dev: setup
	$(BIN)/pdfpipe dev

schema: setup
	$(BIN)/pdfpipe schema

clean:
	rm -rf data .pytest_cache

# Throughput benchmark (prints a table; last line machine-readable). QUICK=1: under 5 minutes.
bench: setup
	$(BIN)/python -m pdfpipe_assets.bench $(if $(QUICK),--quick --sensor-files 2000,) $(BENCH_ARGS)

# Extraction quality against the ground truth beside the corpus PDFs (README: Extraction quality).
eval: setup
	$(BIN)/pdfpipe eval --corpus $(or $(CORPUS),../shared/corpus) $(EVAL_ARGS)

# Load: 2,000 documents through sensor-launched runs on a PostgreSQL instance (README: Reliability).
load: setup
	$(BIN)/python -m pdfpipe_assets.load $(LOAD_ARGS)
