# Two entry points on a fresh machine: `make demo` and `make test`.
# The first interpreter that really runs and is 3.10-3.12 (durable-rules 2.0.28 does not import on 3.13).
PYTHON ?= $(shell for p in python3 python3.12 python3.11 python3.10; do \
             $$p -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] < (3, 13))' 2>/dev/null && { echo $$p; break; }; \
           done)
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup tools demo workbench test bench docs clean

$(BIN)/evaluator: pyproject.toml
	@test -n "$(PYTHON)" || { echo "needs Python 3.10-3.12 (durable-rules 2.0.28 does not import on 3.13)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/evaluator

setup: $(BIN)/evaluator

# The bundled year as the office keeps it (a ledger workbook), then proof that it scores as the YAML.
demo: setup
	$(BIN)/evaluator run examples/2024.xlsx
	$(BIN)/evaluator diff examples/2024.xlsx --against-facts examples/2024.yaml

# The same year in the workbench: a fresh temporary folder, every unit's ledger submitted, a demo
# admin whose password is printed with the address (PORT=8000 by default).
workbench: setup
	$(BIN)/evaluator serve --demo --port $${PORT:-8000}

# The report and site tests open pages in Debian's chromium (with CJK fonts); the ledger tests open
# workbooks in LibreOffice and look at pages through pdftoppm. Install them when missing.
APT := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
tools:
	@{ command -v chromium && command -v soffice && command -v pdftoppm; } >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    (apt-get update -qq && $(APT) chromium fonts-noto-cjk >/dev/null && \
	     $(APT) --no-install-recommends libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils >/dev/null) ; } || \
	  echo "chromium or LibreOffice is not installed: the tests that need them will say they were skipped"

test: setup tools
	$(BIN)/python -m pytest

# The living-documentation site: run the scenarios (failures are shown on the site), then render.
docs: setup
	-$(BIN)/python -m pytest tests/test_features.py -q
	$(BIN)/evaluator docs

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info
