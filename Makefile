# One command each to set up, run and test the LRS. Python packages go to .venv; the SCORM 1.2
# browser runtime (npm package scorm-again, pinned in package-lock.json) to node_modules.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080

.PHONY: setup serve test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

setup: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@if [ -f package.json ]; then \
		command -v npm >/dev/null || (apt-get update -q && apt-get install -y -q npm); \
		npm ci --no-audit --no-fund; \
	fi

# SCORM content plays on its own origin: by default localhost while the LRS is 127.0.0.1.
serve: setup
	LRS_PORT=$(PORT) LRS_CMI5_CONTENT_URL=$${LRS_CMI5_CONTENT_URL:-http://localhost:$(PORT)} $(BIN)/lrs serve

test: setup
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)
	$(BIN)/pytest
