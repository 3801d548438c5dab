# `make test` is the one test command: on a fresh machine it creates the venv, installs the pinned
# packages, builds (or reuses) the Pulumi and Kubernetes tooling, and runs the whole suite.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: test lint unit tools venv policy-venv bench bench-real bench-engine-floor bench-tenants sandbox sandbox-down clean

test: venv policy-venv tools lint
	$(VENV)/bin/python -m pytest

# Tests under mocks only (no engine, no API server, no LiteLLM proxy): the quick inner loop.
unit: venv
	$(VENV)/bin/python -m pytest -m "not e2e and not real_litellm and not kube"

# The product on this machine: local Kubernetes (pods simulated; the gateway's container run as a process from
# the Deployment's spec), `pulumi up` of a stack with generated credentials, one chat completion; runs until
# Ctrl-C or `make sandbox-down`.
sandbox: venv tools
	$(VENV)/bin/python scripts/sandbox.py up

sandbox-down: venv
	$(VENV)/bin/python scripts/sandbox.py down

# Unused or undefined names and syntax errors (pyproject.toml); `make test` runs it first.
lint: venv
	$(VENV)/bin/ruff check .

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt scripts/install-cli
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	scripts/install-cli $(VENV)
	touch $@

# The policy pack's own venv (policy/requirements.txt; pulumi-policy needs another protobuf than the program):
# the CLI runs a local pack with the venv its PulumiPolicy.yaml names and installs nothing itself.
POLICY_STAMP := policy/.venv/.installed

policy-venv: $(POLICY_STAMP)

$(POLICY_STAMP): policy/requirements.txt
	test -x policy/.venv/bin/python || $(PYTHON) -m venv policy/.venv
	policy/.venv/bin/python -m pip install --quiet --disable-pip-version-check -r policy/requirements.txt
	touch $@

tools:
	scripts/toolchain
	scripts/kube-tools
	scripts/real-litellm --all
	scripts/prometheus
	scripts/chromium

bench: venv
	$(VENV)/bin/python benchmarks/bench_providers.py

# The real CLI against the real LiteLLM proxy, beside the floor of plain admin API calls (README figures).
bench-real: venv tools
	$(VENV)/bin/python benchmarks/bench_real.py

# The same CLI and backend with a provider that calls nothing: the engine's own cost of one resource per key.
bench-engine-floor: venv tools
	$(VENV)/bin/python benchmarks/bench_engine_floor.py

# Tenant stacks: 10 stacks of 200 keys on one platform stack, beside the floor (README figures).
bench-tenants: venv tools
	$(VENV)/bin/python benchmarks/bench_tenants.py

clean:
	rm -rf $(VENV) policy/.venv .tools .pytest_cache
