# Haven: set-up, run and test. `make help` lists the targets.
#
# Services are discovered: every services/<name>/ with a pyproject.toml is installed, migrated, run and tested.
# To add a target, depend on $(STAMP) (an installed virtualenv) and use $(VENV_PY) or $(BIN)/<tool>, e.g.
#   demo: $(STAMP)
#   	$(VENV_PY) scripts/demo.py

PYTHON      ?= python3.11
VENV        ?= .venv
BIN         := $(VENV)/bin
VENV_PY     := $(BIN)/python
PYTEST_ARGS ?=

SERVICE_PYPROJECTS := $(sort $(wildcard services/*/pyproject.toml))
SERVICES           := $(patsubst services/%/pyproject.toml,%,$(SERVICE_PYPROJECTS))
# The shared packages that exist, in install order: the partner client, the kernel, the contracts.
SHARED_PYPROJECTS  := $(wildcard shared/client/pyproject.toml shared/kernel/pyproject.toml shared/contracts/pyproject.toml)
SHARED             := $(patsubst %/pyproject.toml,%,$(SHARED_PYPROJECTS))
# Test folders that exist: the shared packages', each service's, the cross-service ones.
TEST_PATHS          = $(wildcard $(patsubst %,%/tests,$(SHARED)) $(patsubst %,services/%/tests,$(SERVICES)) tests)

# Written after a successful install; holds what was installed (shared packages and services), so a new package or
# service, or one moved, triggers a reinstall.
STAMP       := $(VENV)/.haven-installed
INSTALLED   := $(SHARED) $(SERVICES)
# What the deployment tests need beyond the kernel's test extras (kubernetes-validate).
DEPLOY_TEST_REQUIREMENTS := tests/deploy/requirements.txt
STAMP_DEPS  := $(VENV_PY) $(SHARED_PYPROJECTS) $(SERVICE_PYPROJECTS) $(DEPLOY_TEST_REQUIREMENTS)
ifneq ($(strip $(file < $(STAMP))),$(strip $(INSTALLED)))
STAMP_DEPS  += FORCE
endif

.DEFAULT_GOAL := help
.PHONY: help venv install migrate run broker-setup test faults bench docs clean distclean FORCE

help:
	@echo "make run        start every service ($(SERVICES)) against RabbitMQ at AMQP_URI; Ctrl-C stops them"
	@echo "make broker-setup  a least-privilege RabbitMQ account per service (kept in var/broker.env; make run uses them)"
	@echo "make test       the whole test suite (RabbitMQ and PostgreSQL on their local ports, AMQP_URI/DATABASE_URL, or Docker)"
	@echo "make faults     the fault-injection suite alone (tests/faults: servers of its own; also part of make test)"
	@echo "make bench      throughput and latency next to same-run baselines (BENCH_SCALE=short|full; see bench/)"
	@echo "make install    (re)install the shared packages ($(SHARED)) and every service into $(VENV), editable"
	@echo "make migrate    bring every service's database to its latest revision"
	@echo "make docs       regenerate docs/ (rpc/<service>.md, events.md, asyncapi.json, openapi.json) and the client's methods"
	@echo "make venv       create $(VENV) with $(PYTHON)"
	@echo "make clean      remove caches, build metadata and logs; 'make distclean' also removes $(VENV) and var/"

venv: $(VENV_PY)

$(VENV_PY):
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --upgrade pip

# The kernel's [test] extra brings pytest and its plugins. One pip call, so pip resolves every pin together.
define pip_install
	$(VENV_PY) -m pip install --quiet $(foreach p,$(SHARED),-e '$(p)$(if $(filter shared/kernel,$(p)),[test])') \
		$(foreach s,$(SERVICES),-e services/$(s)) -r $(DEPLOY_TEST_REQUIREMENTS)
	@echo '$(INSTALLED)' > $(STAMP)
endef

install: $(VENV_PY)
	$(pip_install)

$(STAMP): $(STAMP_DEPS)
	$(pip_install)

migrate: $(STAMP)
	@set -e; for service in $(SERVICES); do $(BIN)/haven migrate $$service; done

run: $(STAMP)
	$(VENV_PY) deploy/run.py

# Needs RabbitMQ's management plugin; RABBITMQ_MANAGEMENT_URL=http://admin:password@host:15672 when not guest.
broker-setup: $(STAMP)
	$(BIN)/haven broker setup --env-file var/broker.env

test: $(STAMP)
	$(VENV_PY) -m pytest $(TEST_PATHS) $(PYTEST_ARGS)

# The fault suite (tests/faults) alone: it starts its own RabbitMQ node, PostgreSQL clusters and TCP proxy, so it
# needs their binaries but not AMQP_URI/DATABASE_URL. `make test` runs it too.
faults: $(STAMP)
	$(VENV_PY) -m pytest tests/faults $(PYTEST_ARGS)

bench: $(STAMP)
	$(VENV_PY) -m bench

# The partner references, generated from the code (a test fails when what is committed is stale).
docs: $(STAMP)
	$(BIN)/haven docs

clean:
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name .pytest_cache \) -prune -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -type d -name '*.egg-info' -prune -exec rm -rf {} +
	rm -rf var/log test-artifacts build dist $(STAMP)

distclean: clean
	rm -rf $(VENV) var

FORCE:

# The cyclone scenario (tools/scenario/) played against Haven started with `make run`
# (in another terminal): progress, a short sitrep table, the dashboard URL and a token to sign in with.
.PHONY: demo
demo: $(STAMP)
	$(VENV_PY) -m tools.scenario
