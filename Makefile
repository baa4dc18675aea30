# Small verb Makefile. Plain `make` runs test + lint.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DB     ?= data/claims.db
SHARED ?= ../shared
URLS   ?=

.PHONY: all install test lint eval bench ingest reprocess serve audit clean-db

all: test lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check pipeline scrapers models tests

# `make ingest` ingests the bundled sample pages offline; `make ingest URLS="https://..."`
# or `make ingest URLS=@urls.txt` fetches live pages.
ingest: install
	$(BIN)/claims ingest --db $(DB) $(if $(URLS),$(URLS),data/samples/)

reprocess: install
	$(BIN)/claims reprocess --db $(DB)

eval: install
	$(BIN)/claims eval --gold $(SHARED)/gold/dev.jsonl --corpus $(SHARED)/corpus/fakehealth/articles.jsonl
	$(BIN)/python -m pipeline.eval_sizes --shared $(SHARED)

bench: install
	$(BIN)/python -m scrapers.bench --shared $(SHARED)
	$(BIN)/python -m pipeline.bench --shared $(SHARED)
	$(BIN)/python -m pipeline.corpus.bench --shared $(SHARED)

serve: install
	$(BIN)/claims serve --db $(DB)

audit: install
	$(BIN)/claims audit --db $(DB)

clean-db:
	rm -f $(DB) $(DB)-wal $(DB)-shm
