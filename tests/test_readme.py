"The README stays true: its notebook table lists every notebook in one table, and nbdev never rewrites it."
import re
from pathlib import Path
from nbdev.config import get_config

ROOT = Path(__file__).parents[1]

def test_notebook_table_lists_every_notebook_in_one_table():
    lines = (ROOT/'README.md').read_text().splitlines()
    start = lines.index('| notebook | module | what it does |')
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith('|'): break
        rows.append(line)
    listed = {re.match(r'\| `([^`]+)`', r).group(1) for r in rows}
    notebooks = {p.relative_to(ROOT/'nbs').with_suffix('').as_posix() for p in (ROOT/'nbs').rglob('*.ipynb')
                 if '.ipynb_checkpoints' not in p.parts and p.stem != 'index'}
    assert notebooks == listed

def test_nbdev_does_not_own_the_readme():
    assert not get_config().readme_nb  # nbdev_prepare would render a notebook over the hand-kept README
