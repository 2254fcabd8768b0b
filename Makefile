# Skywarden: `make demo` sets everything up and runs the main job; `make test` sets
# everything up and runs the whole suite with the linters.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB := src/skywarden/serve/web
WEB_BUILT := $(WEB)/dist/index.html

.PHONY: demo test lint typecheck pytest venv clean system web

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# System components the tests drive: Debian's Chromium, the PostgreSQL server, Node.js.
system:
	bash scripts/install-system.sh

# The operator map: MapLibre GL and the page, bundled from npm sources into dist/.
web: $(WEB_BUILT)

$(WEB_BUILT): $(WEB)/package.json $(WEB)/package-lock.json $(WEB)/build.mjs $(wildcard $(WEB)/src/*)
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

demo: venv web
	$(BIN)/skywarden demo

lint: venv
	$(BIN)/ruff check src tests bench

typecheck: venv
	$(BIN)/mypy

# pytest exits 5 when it collected no test: that is a failure here, never a pass.
pytest: venv system web
	$(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no test: failing" >&2; exit 1; fi; \
	exit $$status

test: lint typecheck pytest

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache $(WEB)/dist $(WEB)/node_modules
