# furusato-kiosk — the two commands: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.bootstrapped

.PHONY: demo test lint typecheck bench snapshots clean help contract contract-fuzz fuzz

help:
	@echo "make demo   run the kiosk on the embedded demo (local API, simulated camera)"
	@echo "make test   lint, type-check and run the whole test suite"
	@echo "make bench  run every benchmark, write bench/results.json"
	@echo "make lint   ruff, mypy and import contracts only"
	@echo "make contract        regenerate sync/openapi.yaml from the reference server"
	@echo "make contract-fuzz   Schemathesis on the served contract, all checks (FUZZ_SECONDS=180)"
	@echo "make fuzz   the hostile-input property tests, 100,000 examples each (long)"

$(STAMP): pyproject.toml uv.lock scripts/bootstrap.sh
	@scripts/bootstrap.sh
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kiosk demo

lint: $(STAMP)
	$(BIN)/ruff check cli kiosk screens sync config tests
	$(BIN)/ruff format --check cli kiosk screens sync config tests
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

snapshots: $(STAMP)
	$(BIN)/python -m pytest tests/ui --snapshot-update -q

contract: $(STAMP)
	$(BIN)/python -m sync.server.contract

# The hostile-input tests (marker `fuzz`) with the long Hypothesis profile: FUZZ_EXAMPLES
# per test (camera frames: a handful), no per-test time limit, with Hypothesis' statistics.
FUZZ_EXAMPLES ?= 100000
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider -m fuzz --hypothesis-profile=fuzz \
		--hypothesis-show-statistics --timeout=0

FUZZ_SECONDS ?= 180
contract-fuzz: $(STAMP)
	$(BIN)/python -m tests.e2e.server.contract_fuzz --seconds $(FUZZ_SECONDS)

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run $(BENCH)

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache bench/results.json
