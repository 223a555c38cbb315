"Shared pytest fixtures: the embedded dataset (built once per module) and the `portfolio-nb` command line."
import subprocess, sys
import pytest
from portfolio_nb.data import build_sample_dataset

@pytest.fixture(scope='module')
def data(tmp_path_factory):
    "The embedded S&P 500 dataset, built into a temporary folder."
    return build_sample_dataset(tmp_path_factory.mktemp('data')/'sp500')

def run_cli(*args, cwd, env=None):
    "Run `portfolio-nb` with `args` in `cwd`; the completed process (text output)."
    return subprocess.run([sys.executable, '-c', 'import sys; from portfolio_nb.cli import main; sys.exit(main())', *args],
                          cwd=cwd, capture_output=True, text=True, env=env)

@pytest.fixture
def cli():
    "The `portfolio-nb` command line: cli(*args, cwd=...) -> CompletedProcess."
    return run_cli
