"Faults, races and hostile input: bad input fails before work, damaged state is refitted, runs lock their folder, nothing leaks."
import os, signal, subprocess, sys, time
from pathlib import Path
import pandas as pd, psutil, pytest, yaml
from conftest import run_cli

CLI = [sys.executable, '-c', 'import sys; from portfolio_nb.cli import main; sys.exit(main())']

def write_config(path: Path, data, **over) -> Path:
    "A small run config (two baselines, 2019-2020) at `path`."
    cfg = dict(name='e2e', data=str(data), start='2019-01-01', end='2020-12-31',
               constraints=dict(max_position_weight=0.2, transaction_cost_bps=10),
               models=dict(equal_weight={}, inverse_volatility={'lookback': 63})) | over
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(cfg))
    return path

def one_line_exit_2(r) -> bool: return r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1

@pytest.mark.parametrize('over, message', [
    (dict(name='../../escape'), 'name must be one folder name'),
    (dict(name='/tmp'), 'name must be one folder name'),
    (dict(name=123), 'name must be one folder name'),
    (dict(start='2018-13-45'), 'not valid YAML (month must be in 1..12)'),
    (dict(constraints=dict(max_position_weight=0.01)), 'max_position_weight 0.01 cannot be fully invested on 2019-01-31'),
    (dict(models=dict(lstm=dict(net=dict(hidden_sze=8)))), "lstm: unknown net parameter(s) ['hidden_sze']"),
    (dict(models=dict(inverse_volatility=dict(lookback='abc'))), 'lookback must be a positive number of days'),
])
def test_bad_input_one_line_before_work(tmp_path, data, cli, over, message):
    config = write_config(tmp_path/'config.yaml', data, **over)
    if over.get('start'): config.write_text(config.read_text().replace("start: '2018-13-45'", 'start: 2018-13-45'))
    r = cli('run', str(config), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert one_line_exit_2(r) and message in r.stderr, r.stderr
    assert not (tmp_path/'reports').exists() and not (tmp_path.parent/'escape').exists()

def test_an_absolute_name_cannot_delete_a_folder(tmp_path, data, cli):
    elsewhere = tmp_path/'precious'/'equal_weight'
    elsewhere.mkdir(parents=True); (elsewhere/'keep.txt').write_text('mine')
    r = cli('run', str(write_config(tmp_path/'config.yaml', data, name=str(tmp_path/'precious'))), cwd=tmp_path)
    assert one_line_exit_2(r) and (elsewhere/'keep.txt').read_text() == 'mine'

def test_data_read_from_the_configs_folder(tmp_path, data, cli):
    empty = tmp_path/'configs'/'empty'; empty.mkdir(parents=True)
    r = cli('run', str(write_config(tmp_path/'configs'/'empty.yaml', 'empty')), cwd=tmp_path)
    assert one_line_exit_2(r) and f"{empty.resolve()/'returns_daily.parquet'}: missing" in r.stderr, r.stderr
    r = cli('run', str(write_config(tmp_path/'configs'/'gone.yaml', 'sp500')), cwd=tmp_path)
    assert one_line_exit_2(r), r.stderr
    assert f"portfolio-nb sample-data --dest {(tmp_path/'configs').resolve()}" in r.stderr
    os.symlink(data, tmp_path/'configs'/'sp500')  # now the relative folder is there, seen from any working directory
    (tmp_path/'other').mkdir()
    r = cli('run', str(write_config(tmp_path/'configs'/'ok.yaml', 'sp500', models={'equal_weight': {}})),
            '--out', str(tmp_path/'reports'), cwd=tmp_path/'other')
    assert r.returncode == 0, r.stderr[-2000:]

def test_a_bad_panel_file_is_one_line(tmp_path, data, cli):
    bad = tmp_path/'bad'; bad.mkdir(); (bad/'returns_daily.parquet').write_bytes(b'not parquet')
    r = cli('run', str(write_config(tmp_path/'config.yaml', bad)), cwd=tmp_path)
    assert one_line_exit_2(r) and 'returns_daily.parquet: not a readable parquet file' in r.stderr, r.stderr

def test_reports_get_the_umasks_permissions_and_no_leftovers(tmp_path, data):
    r = subprocess.run([*CLI, 'run', str(write_config(tmp_path/'config.yaml', data)), '--out', str(tmp_path/'reports')],
                       cwd=tmp_path, capture_output=True, text=True, preexec_fn=lambda: os.umask(0o022))
    assert r.returncode == 0, r.stderr[-2000:]
    run = tmp_path/'reports'/'e2e'
    assert oct((run/'equal_weight').stat().st_mode & 0o777) == '0o755'
    assert {oct(f.stat().st_mode & 0o777) for f in (run/'equal_weight').iterdir()} == {'0o644'}
    assert oct((run/'summary.html').stat().st_mode & 0o777) == '0o644'
    assert 'KeyboardInterrupt' not in r.stderr  # the kernels' own log stays out of the terminal
    assert not [p for p in run.iterdir() if p.name.startswith('.') and p.name not in ('.state', '.lock')]

def test_a_damaged_fold_is_refitted_not_used(tmp_path, data, cli):
    config = write_config(tmp_path/'config.yaml', data)
    assert cli('run', str(config), '--out', str(tmp_path/'reports'), cwd=tmp_path).returncode == 0
    run = tmp_path/'reports'/'e2e'
    before = pd.read_parquet(run/'inverse_volatility'/'weights.parquet')
    fold = next(p for p in (run/'.state'/'inverse_volatility').iterdir() if not p.name.startswith('.'))
    targets = pd.read_parquet(fold/'targets.parquet')
    (targets * 0.5).to_parquet(fold/'targets.parquet')  # valid parquet, other numbers
    r = cli('run', str(config), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0 and f'the stored fold {fold} is damaged' in r.stderr, r.stderr[-2000:]
    assert pd.read_parquet(run/'inverse_volatility'/'weights.parquet').equals(before)
    (fold/'log.json').write_text('{"fold": 0, "tr')  # garbage
    r = cli('run', str(config), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0 and 'is damaged (JSONDecodeError' in r.stderr, r.stderr[-2000:]

def test_a_failed_report_is_named_and_never_shown_from_an_earlier_run(tmp_path, data, cli):
    import shutil
    from portfolio_nb.data import load_panel
    shutil.copytree(data, tmp_path/'data')
    config = write_config(tmp_path/'config.yaml', tmp_path/'data')
    assert cli('run', str(config), '--out', str(tmp_path/'reports'), cwd=tmp_path).returncode == 0
    panel = load_panel(tmp_path/'data', verbose=False)  # calm data from mid-2020: inverse volatility has nothing to invert
    panel.returns.loc['2020-06-01':] = 0.0
    panel.returns.to_parquet(tmp_path/'data'/'returns_daily.parquet')
    r = cli('run', str(config), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 1 and '1 of 2 reports failed: inverse_volatility' in r.stderr, r.stderr[-2000:]
    run = tmp_path/'reports'/'e2e'
    assert pd.read_csv(run/'summary.csv', index_col='model').index.tolist() == ['equal_weight']
    page = (run/'summary.html').read_text()
    assert 'Failed in this run, not in the table' in page and '<b>inverse_volatility</b>' in page

def test_a_second_run_of_the_same_folder_is_refused(tmp_path, data):
    config = write_config(tmp_path/'config.yaml', data, models={'equal_weight': {},
                                                            'stock_lstm': dict(preset='cpu-small', top_k=5)})
    first = subprocess.Popen([*CLI, 'run', str(config), '--out', str(tmp_path/'reports')], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lock = tmp_path/'reports'/'e2e'/'.lock'
        for _ in range(600):
            if lock.exists() and lock.read_text().startswith('pid'): break
            time.sleep(0.1)
        second = run_cli('run', str(config), '--out', str(tmp_path/'reports'), cwd=tmp_path)
        assert one_line_exit_2(second) and f'is in use by pid {first.pid} since' in second.stderr, second.stderr
    finally: first.kill(); first.wait()

def test_workers_stop_with_a_killed_parent(tmp_path, data):
    config = write_config(tmp_path/'config.yaml', data, models={'stock_lstm': dict(preset='cpu-small', top_k=5)})
    parent = subprocess.Popen([*CLI, 'run', str(config), '--workers', '2', '--out', str(tmp_path/'reports')], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    for _ in range(600):
        workers = psutil.Process(parent.pid).children(recursive=True)
        if len(workers) >= 2: break
        time.sleep(0.1)
    assert len(workers) >= 2, 'no workers started'
    time.sleep(2)  # the workers are fitting
    parent.send_signal(signal.SIGKILL); parent.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f'{len(alive)} workers outlived their parent'
    state = tmp_path/'reports'/'e2e'
    leftovers = [p for p in state.rglob('.*') if p.name not in ('.state', '.lock')]
    r = run_cli('run', str(config), '--out', str(tmp_path/'reports'), cwd=tmp_path)  # resumes, and cleans the leftovers
    assert r.returncode == 0, r.stderr[-2000:]
    assert all(not p.exists() for p in leftovers)
