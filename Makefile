# Every target installs what it needs: on a fresh machine `make dev` and `make test` are all it takes.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime is python3.13: develop, test and compile bytecode with the same version. The first
# that runs as 3.13 of: PATH (Homebrew, a distribution's package, an active pyenv), then pyenv's, uv's,
# python.org's and the usual install folders (a pyenv shim on PATH fails to run when 3.13 is not active).
PY313_CANDIDATES = $$(command -v python3.13) $(HOME)/.pyenv/versions/3.13*/bin/python3.13 \
	$(HOME)/.local/share/uv/python/cpython-3.13*/bin/python3.13 /opt/homebrew/bin/python3.13 \
	/Library/Frameworks/Python.framework/Versions/3.13/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13
ifndef PY313
PY313 := $(shell for candidate in $(PY313_CANDIDATES); do \
	"$$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1 && { echo "$$candidate"; break; }; \
	done)
endif
PY313_HINT := python3.13 (the Lambda runtime's version) was not found on PATH nor in pyenv, uv, Homebrew, /usr/local or /usr/bin: \
	install it (brew install python@3.13, apt-get install python3.13, pyenv install 3.13 or uv python install 3.13) or run make PY313=/path/to/python3.13
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
# The IaC scanner, in its own virtual environment too (its pins are many and strict).
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
# Mutation testing (mutmut runs the tests in its own process, so its venv holds the project's dev set too).
MUTATE_VENV := .venv-mutate
MUTMUT_VERSION := 3.8.1
export SAM_CLI_TELEMETRY := 0
PYTEST_ARGS ?=

.PHONY: help install dev test test-fast e2e lint format openapi client build bench fuzz mutate mutate-gate clean python

help:
	@echo "make dev      the API and the dashboard (/dashboard) on http://127.0.0.1:3000 over an embedded DynamoDB"
	@echo "make test     unit, integration, end-to-end and browser tests (CI profile of fuzzing included)"
	@echo "make e2e      end-to-end tests: a local runner, or a deployed stage given E2E_BASE_URL, E2E_API_KEY, E2E_SECRET_KEY"
	@echo "make lint     ruff, mypy, cfn-lint, sam validate --lint, checkov, OpenAPI freshness"
	@echo "make build    sam build, with checked-hash bytecode for every module"
	@echo "make bench    cold start, DynamoDB round trips, CPU per request, ingest throughput"
	@echo "make client   a typed Python client generated from openapi.json (openapi-python-client)"
	@echo "make fuzz     schemathesis against the OpenAPI spec, >= 300 cases per operation"
	@echo "make mutate   mutation testing of the money modules (mutmut), report in mutation/REPORT.md"
	@echo "make mutate-gate  CI's mutation gate: mutants on changed functions plus a fixed sample"
	@echo "make python   the python3.13 found (PATH first, then pyenv, uv, Homebrew, /usr/local, /usr/bin)"

# Debian tools the tests use: the browser tests drive Chromium through Playwright (no browser download
# from Playwright's CDN); the README's examples run with curl and jq (tests/e2e/test_readme.py).
TEST_TOOLS := /usr/bin/chromium /usr/bin/curl /usr/bin/jq
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(TEST_TOOLS):
	@command -v apt-get >/dev/null || { echo "the tests need Debian's $(notdir $@) at $@"; exit 1; }
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(notdir $@)

$(BIN)/.installed: pyproject.toml shared/requirements.txt
	@test -n "$(PY313)" || { echo "$(PY313_HINT)"; exit 1; }
	$(PY313) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# The SAM CLI lives in its own virtual environment so that its pins never constrain the project's.
$(SAM_VENV)/.installed:
	python3 -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_CLI_VERSION)
	touch $@

$(CHECKOV_VENV)/.installed:
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	touch $@

# mutmut (pinned: mutation/mutate.py reads its result files) with the project's dev set, apart from .venv.
$(MUTATE_VENV)/.installed: pyproject.toml shared/requirements.txt
	@test -n "$(PY313)" || { echo "$(PY313_HINT)"; exit 1; }
	$(PY313) -m venv $(MUTATE_VENV)
	$(MUTATE_VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(MUTATE_VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[dev]' mutmut==$(MUTMUT_VERSION)
	touch $@

install: $(BIN)/.installed

# The interpreter the virtualenv is (or would be) built with.
python:
	@test -n "$(PY313)" || { echo "$(PY313_HINT)"; exit 1; }
	@echo "$(PY313)"

dev: install
	$(BIN)/rewards dev

# --dist loadgroup: the browser tests share one runner and one browser on one worker.
test: install $(TEST_TOOLS)
	$(BIN)/pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# Against a deployed stage: make e2e E2E_BASE_URL=https://<api>.execute-api.<region>.amazonaws.com/v1 \
#   E2E_API_KEY=ak_... E2E_SECRET_KEY=sk_...  (tests that need the local runner itself are skipped)
e2e: install
	$(BIN)/pytest tests/e2e -p no:randomly $(PYTEST_ARGS)

lint: install $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared functions rewards_cli tests bench
	$(BIN)/cfn-lint template.yaml
	$(SAM) validate --lint --template template.yaml
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml --file template.yaml --framework cloudformation --compact --quiet --skip-download
	$(BIN)/rewards openapi --check

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: install
	$(BIN)/rewards openapi

# A typed Python client generated from the committed contract (README: The API contract).
CLIENT_DIR ?= .local/rewards-client
client: install
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/openapi-python-client generate --path openapi.json --output-path $(CLIENT_DIR) --overwrite

# sam's python builder needs python3.13 on PATH; the layer builds through shared/Makefile.
# --language-extensions: sam expands template.yaml's Fn::ForEach (the failures alarms) before its own transform.
# Every module (functions, layer, third-party) is then recompiled to checked-hash bytecode by python3.13
# and verified: the build fails if any module would be imported without valid bytecode.
build: install $(SAM_VENV)/.installed
	PATH="$(dir $(PY313)):$$PATH" PYTHON=$(PY313) $(SAM) build --language-extensions --template template.yaml
	$(PY313) -m compileall -q -f -j 0 --invalidation-mode checked-hash .aws-sam/build
	$(PY313) bench/bytecode.py .aws-sam/build

# Measurements, not tests: prints a table and writes bench/results/bench.json (BENCH_ARGS: see --help).
BENCH_ARGS ?=
bench: build
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# 300 cases per operation and test, in the rotating-seed suite (tests/fuzz/test_openapi_fuzz.py) with a
# new seed each run, printed first: make fuzz FUZZ_SEED=<seed> replays a run.
ifndef FUZZ_SEED
FUZZ_SEED := $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
endif
fuzz: install
	@echo "fuzz seed $(FUZZ_SEED): make fuzz FUZZ_SEED=$(FUZZ_SEED) replays this run"
	FUZZ_EXAMPLES=300 FUZZ_SEED=$(FUZZ_SEED) $(BIN)/pytest -n auto tests/fuzz -k rotating_seed -p no:randomly $(PYTEST_ARGS)

# Every mutant of every money module, each module against its own tests (mutation/modules.toml);
# MUTATE_ARGS="lots coupons" runs some modules only. Writes mutation/REPORT.md and mutation/results/.
MUTATE_ARGS ?=
mutate: $(MUTATE_VENV)/.installed
	$(MUTATE_VENV)/bin/python mutation/mutate.py full $(MUTATE_ARGS)

# CI: per module, the mutants in functions changed since main plus a fixed sample (a few minutes).
mutate-gate: $(MUTATE_VENV)/.installed
	$(MUTATE_VENV)/bin/python mutation/mutate.py gate $(MUTATE_ARGS)

clean:
	rm -rf .mutation .aws-sam .venv-bench .pytest_cache .mypy_cache .ruff_cache .hypothesis
