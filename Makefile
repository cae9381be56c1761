# One command to set up and run the main job, one to set up and run the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
CONSTRAINTS := constraints/cpu.txt

.PHONY: setup run test typecheck test-example docs bench mutation clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/activate
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[dev,distributed,tune,docs,export,wandb,mlflow]"
	touch $@

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[dev,distributed,bench]"
	touch $@

setup: $(VENV)/.installed  ## create .venv and install gaikit with its test tools

run: setup  ## the main job: DDQN on Atari Asterix from pixels + RAM of one emulator
	$(BIN)/gaikit run asterix --encoder mixed --learner ddqn $(ARGS)

test: setup  ## the whole test suite, mypy (typecheck), the example packages' own tests and contract suites, then the strict docs build
	$(BIN)/python -m pytest $(ARGS)
	$(MAKE) typecheck
	$(MAKE) test-example
	$(MAKE) docs

typecheck: setup  ## mypy over gaikit/ ([tool.mypy] in pyproject.toml)
	$(BIN)/mypy gaikit

test-example: setup  ## install the example plugin packages in examples/, run their tests and the contract suite on them
	$(PIP) install --quiet --no-deps -e examples/gaikit-plugin-example -e examples/gaikit-game-example
	cd examples/gaikit-plugin-example && ../../$(BIN)/python -m pytest -q -p no:cacheprovider --gaikit-contract=gaikit-plugin-example
	cd examples/gaikit-game-example && ../../$(BIN)/python -m pytest -q -p no:cacheprovider --gaikit-contract=gaikit-game-example

docs: setup  ## build the documentation site into site/ (mkdocs.yml), failing on any warning
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

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
