# One-verb entry points. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help run test check fmt clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

run: $(STAMP) ## create .venv, install, migrate the store and serve (AKA_HOST/AKA_PORT, default 127.0.0.1:8000)
	$(BIN)/aka migrate
	$(BIN)/aka serve

test: $(STAMP) ## install dev dependencies and run the whole suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP) ## lint and type-check (ruff + mypy strict)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

fmt: $(STAMP) ## format the code
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
