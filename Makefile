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
# Test folders that exist: the kernel's, each service's, the cross-service ones.
TEST_PATHS          = $(wildcard shared/tests $(patsubst %,services/%/tests,$(SERVICES)) tests)

# Written after a successful install; holds the list of services installed, so a new service triggers a reinstall.
STAMP       := $(VENV)/.haven-installed
STAMP_DEPS  := $(VENV_PY) shared/pyproject.toml $(SERVICE_PYPROJECTS)
ifneq ($(strip $(file < $(STAMP))),$(strip $(SERVICES)))
STAMP_DEPS  += FORCE
endif

.DEFAULT_GOAL := help
.PHONY: help venv install migrate run test bench docs clean distclean FORCE

help:
	@echo "make run        start every service ($(SERVICES)) against RabbitMQ at AMQP_URI; Ctrl-C stops them"
	@echo "make test       the whole test suite (needs AMQP_URI and DATABASE_URL, or a Docker engine; see README)"
	@echo "make bench      throughput and latency next to same-run baselines (BENCH_SCALE=short|full; see bench/)"
	@echo "make install    (re)install the kernel and every service into $(VENV), editable"
	@echo "make migrate    bring every service's database to its latest revision"
	@echo "make docs       regenerate docs/events.md from the event catalogue"
	@echo "make venv       create $(VENV) with $(PYTHON)"
	@echo "make clean      remove caches, build metadata and logs; 'make distclean' also removes $(VENV) and var/"

venv: $(VENV_PY)

$(VENV_PY):
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --upgrade pip

define pip_install
	$(VENV_PY) -m pip install --quiet -e 'shared[test]' $(foreach s,$(SERVICES),-e services/$(s))
	@echo '$(SERVICES)' > $(STAMP)
endef

install: $(VENV_PY)
	$(pip_install)

$(STAMP): $(STAMP_DEPS)
	$(pip_install)

migrate: $(STAMP)
	@set -e; for service in $(SERVICES); do $(BIN)/haven migrate $$service; done

run: $(STAMP)
	$(VENV_PY) deploy/run.py

test: $(STAMP)
	$(VENV_PY) -m pytest $(TEST_PATHS) $(PYTEST_ARGS)

bench: $(STAMP)
	$(VENV_PY) -m bench

docs: $(STAMP)
	@mkdir -p docs
	$(BIN)/haven events-doc > docs/events.md.tmp
	@mv docs/events.md.tmp docs/events.md
	@echo "docs/events.md regenerated"

clean:
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name .pytest_cache \) -prune -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -type d -name '*.egg-info' -prune -exec rm -rf {} +
	rm -rf var/log test-artifacts build dist $(STAMP)

distclean: clean
	rm -rf $(VENV) var

FORCE:

# The cyclone scenario (services/reporting/haven_reporting/scenario.py) played against Haven started with `make run`
# (in another terminal): progress, a short sitrep table, the dashboard URL and a token to sign in with.
.PHONY: demo
demo: $(STAMP)
	$(VENV_PY) -m haven_reporting.scenario
