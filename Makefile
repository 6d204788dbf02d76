SHELL := /bin/bash

# Two entry points: `make demo` (set up, then open the quick-start notebook in JupyterLab) and
# `make test` (set up, then run every test: Python, JavaScript and real-browser, and build the documentation
# site strictly). Both start from a clean clone.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
PORT ?= 8888

.PHONY: demo test docs setup chromium build-js benchmark clean

demo: $(BIN)/.installed
	@token=$$($(BIN)/python -c "import secrets; print(secrets.token_hex(24))"); \
	echo; echo "    Open http://127.0.0.1:$(PORT)/lab/tree/quickstart.ipynb?token=$$token"; echo; \
	cd notebooks && $(abspath $(BIN))/jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
		--IdentityProvider.token=$$token $(ROOT_FLAG) quickstart.ipynb

test: $(BIN)/.installed js/node_modules/.installed chromium
	cd js && npm test
	$(BIN)/python -m pytest
	$(MAKE) docs

# The documentation site into site/; any warning (a broken link, a docstring it cannot render) fails the build.
# The notebooks show the outputs of the copies the tests executed (build/notebooks/), where there are any.
docs: $(BIN)/.installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

setup: $(BIN)/.installed js/node_modules/.installed chromium

# torch is pinned to 2.13.0 here (the CPU build available offline); pyproject keeps a normal range.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install torch==2.13.0 2> >(grep -v "^WARNING: Location" >&2)
	$(PIP) install -e ".[dev]" 2> >(grep -v "^WARNING: Location" >&2)
	touch $@

js/node_modules/.installed: js/package.json js/package-lock.json
	cd js && npm ci --no-audit --no-fund
	touch $@

chromium:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

build-js: js/node_modules/.installed
	cd js && npm run build

benchmark: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) js/node_modules site
