# One command each to set up, run and test the LRS. Python packages go to .venv; the browser code
# (npm packages scorm-again, htmx.org and chart.js, pinned in package-lock.json) to node_modules.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080

.PHONY: runtime serve test lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The SCORM runtime and the console's libraries the LRS serves, and the client and cmi5 AU libraries
# the tests drive (dev dependencies), from the npm registry at the versions the lock file pins.
# `npm ci` wipes node_modules first, so it runs only when the lock file (or package.json) is newer
# than the last install.
NPM_STAMP := node_modules/.installed-from-lock

runtime: $(NPM_STAMP)

$(NPM_STAMP): package-lock.json package.json
	@command -v npm >/dev/null || (apt-get update -q && apt-get install -y -q npm)
	npm ci --no-audit --no-fund
	touch $@

# SCORM content plays on its own origin: by default localhost while the LRS is 127.0.0.1.
serve: $(BIN)/python runtime
	$(BIN)/pip install -q -e '.[embedded]'
	LRS_PORT=$(PORT) LRS_CMI5_CONTENT_URL=$${LRS_CMI5_CONTENT_URL:-http://localhost:$(PORT)} $(BIN)/lrs serve

# Browser tests run in Debian's chromium, the load-balancer test behind Debian's nginx; both
# installed when missing (the nginx test starts its own nginx, never the system service).
test: $(BIN)/python runtime
	$(BIN)/pip install -q -e '.[test]'
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)
	@test -x /usr/sbin/nginx || command -v nginx >/dev/null || (apt-get update -q && apt-get install -y -q nginx)
	$(BIN)/pytest

# Lint, types and the import layers (tools pinned in the `lint` extra); CI runs it before the tests.
# The test extra too: mypy reads the types of every import (playwright in console/screenshots.py).
lint: $(BIN)/python
	$(BIN)/pip install -q -e '.[lint,test]'
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
