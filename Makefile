# One-verb entry points. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help run test check fmt clean bench bench-quick wrk fuzz fuzz-ci

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

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
	$(BIN)/ruff check src tests bench fuzz
	$(BIN)/ruff format --check src tests bench fuzz
	$(BIN)/mypy
	$(BIN)/mypy --strict bench
	$(BIN)/mypy --strict fuzz

fmt: $(STAMP) ## format the code
	$(BIN)/ruff format src tests bench fuzz
	$(BIN)/ruff check --fix src tests bench fuzz

bench: $(STAMP) wrk ## benchmarks on SQLite and PostgreSQL, each beside its floor (~2 h 15 min; BENCH_ARGS=--help)
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: $(STAMP) wrk ## every benchmark at tiny sizes, once: a smoke test, fails only on errors
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

fuzz-ci: $(STAMP) ## Schemathesis over /openapi.json on SQLite and PostgreSQL, seeded and bounded (~2 min; CI runs it)
	$(BIN)/python -m fuzz $(FUZZ_ARGS)

fuzz: $(STAMP) ## a longer fuzzing run: 300 examples per operation and store (FUZZ_ARGS="--seed N", --help)
	$(BIN)/python -m fuzz --max-examples 300 $(FUZZ_ARGS)

# The load generator the HTTP benchmarks use; installed from the distribution if missing.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "bench: wrk is missing; installing it with apt-get"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q wrk >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q wrk >/dev/null 2>&1; } || \
	    { echo "bench: could not install wrk (apt-get install -y wrk needs root and Debian's"\
	      "package lists); install wrk yourself and run again" >&2; exit 1; }; \
	  command -v wrk >/dev/null 2>&1 || { echo "bench: wrk is still missing" >&2; exit 1; }; \
	}

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
