# The two commands a newcomer needs: `make shell` (try the bot offline) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

Q ?= 毛台的瓶盖怎么看

.PHONY: shell test lint coverage ask bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,lint]'
	touch $(STAMP)

shell: $(STAMP)
	$(BIN)/authbot shell

ask: $(STAMP)  # make ask Q="..."
	$(BIN)/authbot ask "$(Q)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)  # zero findings is the bar: ruff (rules and formatting) and mypy (strict on bot/core)
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/ruff format --check bot tests benchmarks
	$(BIN)/mypy

coverage: $(STAMP)  # line coverage of bot/ (settings in pyproject.toml, [tool.coverage.*])
	$(BIN)/python -m pytest -q --cov=bot --cov-report=term

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_matching.py

clean:
	rm -rf $(VENV)
