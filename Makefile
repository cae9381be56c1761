# One command to set up and run the main job, one to set up and run the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
CONSTRAINTS := constraints/cpu.txt

.PHONY: setup run test test-example bench mutation clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/activate
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[dev,distributed]"
	touch $@

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[dev,distributed,bench]"
	touch $@

setup: $(VENV)/.installed  ## create .venv and install gaikit with its test tools

run: setup  ## the main job: DDQN on Atari Asterix from pixels + RAM of one emulator
	$(BIN)/gaikit run asterix --encoder mixed --learner ddqn $(ARGS)

test: setup  ## the whole test suite, then the example plugin's own tests and contract suite
	$(BIN)/python -m pytest $(ARGS)
	$(MAKE) test-example

test-example: setup  ## install examples/gaikit-plugin-example, run its tests and the contract suite on it
	$(PIP) install --quiet --no-deps -e examples/gaikit-plugin-example
	cd examples/gaikit-plugin-example && ../../$(BIN)/python -m pytest -q -p no:cacheprovider --gaikit-contract=gaikit-plugin-example

bench: $(VENV)/.bench-installed  ## benchmarks (installs the optional peers, e.g. Stable-Baselines3)
	set -e; for script in benchmarks/bench_*.py; do echo "== $$script"; OMP_NUM_THREADS=1 $(BIN)/python $$script; done

$(VENV)/.mutation-installed: $(VENV)/.installed
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[dev,distributed,mutation]"
	touch $@

mutation: $(VENV)/.mutation-installed  ## mutation testing of the learners' loss/target/update code (docs/testing.md)
	rm -rf mutants
	OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) runs mutants
