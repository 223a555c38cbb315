# Shortcuts for developers; the README's commands do not need make.
.PHONY: help install test test-all export clean hygiene bench

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

install:  ## install the package and the tested set
	pip install -c constraints.txt -e ".[dev]"

test:  ## the default test suite (what CI runs)
	nbdev_test
	python -m pytest tests

test-all:  ## every cell, slow and GPU ones included (needs a GPU for the cuda cells)
	nbdev_test --flags "slow cuda"
	python -m pytest tests

export:  ## notebooks -> portfolio_nb/
	nbdev_export

clean:  ## strip notebook noise
	nbdev_clean

hygiene: clean export  ## what CI checks: cleaning and exporting leave the tree unchanged
	@git status --porcelain | grep . && { echo "nbdev_clean/nbdev_export changed the tree"; exit 1; } || echo "tree unchanged"

bench:  ## the benchmark scripts
	for f in bench/bench_*.py; do python $$f; done
