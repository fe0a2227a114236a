# Two entry points on a fresh machine: `make demo` and `make test`.
# The first interpreter that really runs and is 3.10-3.12 (durable-rules 2.0.28 does not import on 3.13).
PYTHON ?= $(shell for p in python3 python3.12 python3.11 python3.10; do \
             $$p -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] < (3, 13))' 2>/dev/null && { echo $$p; break; }; \
           done)
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup browser demo test bench docs clean

$(BIN)/evaluator: pyproject.toml
	@test -n "$(PYTHON)" || { echo "needs Python 3.10-3.12 (durable-rules 2.0.28 does not import on 3.13)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/evaluator

setup: $(BIN)/evaluator

demo: setup
	$(BIN)/evaluator run examples/2024.yaml

# The report and site tests open pages in Debian's chromium (with CJK fonts); install them when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) ; } || \
	  echo "chromium is not installed: the browser tests will say they were skipped"

test: setup browser
	$(BIN)/python -m pytest

# The living-documentation site: run the scenarios (failures are shown on the site), then render.
docs: setup
	-$(BIN)/python -m pytest tests/test_features.py -q
	$(BIN)/evaluator docs

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info
