# One-verb entry points. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Two installs, each with its stamp, redone when either package's metadata changes (aka,
# and aka-client in clients/python): `make run` needs aka alone; `make test` and the other
# developer targets add the dev extras and aka-client. A dev install holds a run install,
# so it stamps both: `make run` after `make test` installs nothing.
SUM       := $(shell cat pyproject.toml clients/python/pyproject.toml | cksum | cut -d' ' -f1)
RUN_STAMP := $(VENV)/.installed-run-$(SUM)
STAMP     := $(VENV)/.installed-dev-$(SUM)
# The client generator lives in a venv of its own: it pins older httpx and typer than aka.
CODEGEN       := .venv-codegen
CODEGEN_STAMP := $(CODEGEN)/.installed-$(shell cksum clients/python/codegen/requirements.txt | cut -d' ' -f1)
LINTED := src tests bench fuzz clients/python

.DEFAULT_GOAL := help
.PHONY: help run test check fmt clean bench bench-quick wrk fuzz fuzz-ci client client-check

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(RUN_STAMP): pyproject.toml clients/python/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

$(STAMP): pyproject.toml clients/python/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e clients/python
	@rm -f $(VENV)/.installed-*
	@touch $@ $(RUN_STAMP)

run: $(RUN_STAMP) ## create .venv, install what serving needs, migrate the store and serve (AKA_PORT=8080 make run; default 127.0.0.1:8000)
	$(BIN)/aka migrate
	$(BIN)/aka serve

test: $(STAMP) ## install dev dependencies and run the whole suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP) ## lint and type-check (ruff + mypy strict)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/mypy --strict bench
	$(BIN)/mypy --strict fuzz
	$(BIN)/mypy --strict clients/python/src/aka_client clients/python/generate.py

fmt: $(STAMP) ## format the code
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

$(CODEGEN_STAMP): clients/python/codegen/requirements.txt
	@test -x $(CODEGEN)/bin/python || $(PYTHON) -m venv $(CODEGEN)
	$(CODEGEN)/bin/python -m pip install --quiet -r clients/python/codegen/requirements.txt
	@rm -f $(CODEGEN)/.installed-*
	@touch $@

client: $(STAMP) $(CODEGEN_STAMP) ## regenerate aka-client (clients/python) from the native /openapi.json
	$(BIN)/python clients/python/generate.py --generator $(CODEGEN)/bin/openapi-python-client

client-check: $(STAMP) $(CODEGEN_STAMP) ## fail if `make client` would change any file
	$(BIN)/python clients/python/generate.py --generator $(CODEGEN)/bin/openapi-python-client --check

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

clean: ## remove the virtual environments and caches
	rm -rf $(VENV) $(CODEGEN) .pytest_cache .mypy_cache .ruff_cache
