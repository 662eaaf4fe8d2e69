# The README's two commands. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLES := $(wildcard data/samples/*)

.PHONY: report test lint install clean

$(BIN)/dpia: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BIN)/dpia

install: $(BIN)/dpia

report: install
	$(BIN)/dpia validate --quiet $(SAMPLES)
	$(BIN)/dpia batch $(SAMPLES) --out reports --format html,pdf,docx
	$(BIN)/dpia ropa $(SAMPLES) --out reports/ropa.xlsx
	$(BIN)/dpia compare $(SAMPLES) --out reports/comparison.html --format html,pdf,csv

lint: install
	$(BIN)/ruff check src tests benchmarks notebooks scripts

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile --cov=dpia --cov-report=term-missing:skip-covered --cov-fail-under=85

clean:
	rm -rf $(VENV) .pytest_cache .coverage reports/*.html reports/*.pdf
