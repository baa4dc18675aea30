# Small verb Makefile. Plain `make` runs test + lint.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DB     ?= data/claims.db
SHARED ?= ../shared
URLS   ?=

.PHONY: all install test lint eval bench train cv ingest reprocess serve audit clean-db

all: test lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
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

# `make train` refits the trained decisions on $(SHARED)/gold/train.jsonl into models/trained/ (seeded,
# deterministic); `make cv` prints rules alone vs trained on dev and on 5-fold CV over train + dev.
train: install
	@if [ -f $(SHARED)/gold/train.jsonl ]; then $(BIN)/python -m pipeline.learn.train --gold-dir $(SHARED)/gold; \
	else echo "no $(SHARED)/gold/train.jsonl: skipping train (models/trained/ is kept as committed)"; fi

cv: install
	@if [ -f $(SHARED)/gold/train.jsonl ] && [ -f $(SHARED)/gold/dev.jsonl ]; then \
	$(BIN)/python -m pipeline.learn.cv --gold-dir $(SHARED)/gold; \
	else echo "no gold in $(SHARED)/gold: skipping cv"; fi

serve: install
	$(BIN)/claims serve --db $(DB)

audit: install
	$(BIN)/claims audit --db $(DB)

clean-db:
	rm -f $(DB) $(DB)-wal $(DB)-shm
