"""Run the `#| cuda` cells of the notebooks, as `nbdev_test --flags cuda` would, without nbdev.

For each notebook (default: those of nbs/ with a cell flagged by one of --flags), the code cells run in order in one
namespace, from the notebook's folder: the flagged cells, and before them the setup. Skipped, as nbdev_test skips
them: cells with `#| eval: false` and cells flagged with a test flag of settings.ini (`tst_flags`) not asked for.
The setup is, by default, every other cell before (nbdev_test's run: the notebook's own tests run too, on the GPU
where there is one); with --setup-only, only the cells nbdev exports and the cells made of imports alone, which is
enough for cells that build what they use (the cuda cell of 14_models.gat does) and much faster.
Without CUDA the flagged cells are skipped, saying so, and the setup still runs (the dry run tests that part).
Each cell's time and outcome is printed and appended as a JSON line to --results. The exit status is 1 if any cell
failed; a notebook stops at its first failing setup cell (what follows depends on it).

Run: python bench/gpu/cuda_cells.py [--setup-only] [--flags cuda] [--results FILE] [NOTEBOOK ...]
"""
import __future__, argparse, ast, configparser, contextlib, json, os, re, sys, time, traceback, types
from pathlib import Path

os.environ.setdefault('MPLBACKEND', 'Agg')
ROOT = Path(__file__).resolve().parents[2]
FUTURE = 0
for _f in __future__.all_feature_names:
    if _f != "nested_scopes": FUTURE |= getattr(__future__, _f).compiler_flag
DIRECTIVE = re.compile(r'^\s*#\s*\|\s*(.*?)\s*$')

def directives(src: str) -> list[str]:
    "The `#| ...` lines at the top of a cell, normalized ('eval: false', 'cuda', 'export', ...)."
    out = []
    for line in src.splitlines():
        if not line.strip(): continue
        m = DIRECTIVE.match(line)
        if not m: break
        out.append(re.sub(r'\s*:\s*', ': ', m.group(1)).lower())
    return out

def only_imports(src: str) -> bool:
    "Whether the cell's statements are all imports."
    try: body = ast.parse(src).body
    except SyntaxError: return False
    return bool(body) and all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in body)

def test_flags() -> set:
    c = configparser.ConfigParser(); c.read(ROOT/'settings.ini')
    return set(c['DEFAULT'].get('tst_flags', '').split())

def code_cells(nb: Path) -> list[tuple[int, str, list]]:
    cells = json.loads(nb.read_text())['cells']
    return [(i, ''.join(c['source']), directives(''.join(c['source'])))
            for i, c in enumerate(cells) if c['cell_type'] == 'code' and ''.join(c['source']).strip()]

def flagged(ds: list, flags: set) -> bool:
    return any(d.split()[0] in flags for d in ds if d)

def run_notebook(nb: Path, flags: set, setup_only: bool, results) -> bool:
    import torch
    cuda = torch.cuda.is_available()
    skip_flags = test_flags() - flags
    main = types.ModuleType('__main__')  # the cells' globals are __main__'s, as in a kernel (pickle looks there)
    sys.modules['__main__'], ns, ok, future = main, main.__dict__, True, 0
    cells = code_cells(nb)
    last = max((i for i, _, ds in cells if flagged(ds, flags)), default=-1)
    print(f"== {nb.name}: cells up to {last}, flags {sorted(flags)}, {'setup-only' if setup_only else 'full'} setup", flush=True)
    def note(i, kind, **kw):
        row = dict(stage='cuda_cells', notebook=nb.name, cell=i, kind=kind, **kw)
        print('  ' + json.dumps(row), flush=True)
        if results:
            with open(results, 'a') as f: f.write(json.dumps(row) + '\n')
    with contextlib.chdir(nb.parent):
        for i, src, ds in cells:
            if i > last and last >= 0 and setup_only: break
            target = flagged(ds, flags)
            if 'eval: false' in ds or (not target and flagged(ds, skip_flags)): continue
            if not target and setup_only and not (any(d.startswith('export') for d in ds) or only_imports(src)): continue
            if target and 'cuda' in ds and not cuda:
                note(i, 'target', skipped='needs CUDA: torch.cuda.is_available() is False'); continue
            kind = 'target' if target else 'setup'
            if target: print(f"-- {nb.name} cell {i} ({', '.join(ds)}):\n" + src, flush=True)
            t = time.perf_counter()
            try:
                code = compile(src, f'<{nb.name} cell {i}>', 'exec', flags=future, dont_inherit=True)
                future |= code.co_flags & FUTURE  # a cell's `from __future__ import` holds for the cells after, as in a kernel
                exec(code, ns)
                if cuda: torch.cuda.synchronize()
                note(i, kind, ok=True, seconds=round(time.perf_counter() - t, 2))
            except BaseException as e:
                if isinstance(e, KeyboardInterrupt): raise
                traceback.print_exc()
                note(i, kind, ok=False, seconds=round(time.perf_counter() - t, 2), error=f"{type(e).__name__}: {e}"[:2000])
                ok = False
                if not target: break
    return ok

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', type=Path, help='default: the notebooks of nbs/ with a flagged cell')
    ap.add_argument('--flags', nargs='+', default=['cuda'], help="the test flags whose cells run (default: cuda)")
    ap.add_argument('--setup-only', action='store_true', help='before the flagged cells, run only exports and imports')
    ap.add_argument('--results', help='append a JSON line per cell here')
    a = ap.parse_args()
    flags = set(a.flags)
    nbs = [p.resolve() for p in a.notebooks] or [
        p for p in sorted((ROOT/'nbs').glob('*.ipynb')) if any(flagged(ds, flags) for _, _, ds in code_cells(p))]
    if not nbs: return print(f"no notebook has a cell flagged {sorted(flags)}")
    sys.path.insert(0, str(ROOT))  # the checkout's portfolio_nb, as nbdev_test would import it
    ok = [run_notebook(nb, flags, a.setup_only, a.results) for nb in nbs]
    print(f"cuda_cells: {sum(ok)} of {len(ok)} notebooks passed")
    return 0 if all(ok) else 1

if __name__ == '__main__': sys.exit(main())
