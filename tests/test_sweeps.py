"End to end: `portfolio-nb sweep` runs trials, renders the sweep report, and a larger budget resumes the finished trials."
import pandas as pd, yaml


def write_sweep(tmp_path, data, trials):
    (tmp_path/'base.yaml').write_text(yaml.safe_dump(dict(name='base', data=str(data), constraints=dict(max_position_weight=0.2),
                                                           models={'mean_variance': {'lookback': 252}})))
    (tmp_path/'sweep.yaml').write_text(yaml.safe_dump(dict(
        name='mv', base=str(tmp_path/'base.yaml'), model='mean_variance', sampler='tpe', trials=trials, seed=3,
        space={'risk_aversion': {'low': 1.0, 'high': 50.0, 'log': True}, 'lookback': [126, 252]},
        selection=dict(start='2015-01-01', end='2017-12-29'), out_of_sample=dict(start='2018-01-03', end='2019-12-31'))))
    return tmp_path/'sweep.yaml'

def test_sweep_renders_and_resumes(tmp_path, data, cli):
    r = cli('sweep', str(write_sweep(tmp_path, data, 3)), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    report = tmp_path/'reports'/'mv'/'report'
    first = pd.read_csv(report/'trials.csv', index_col='trial').sort_index()
    assert len(first) == 3 and (report/'report.html').stat().st_size > 10_000 and 'mv: 3 trials (9 folds fitted now' in r.stdout
    r = cli('sweep', str(write_sweep(tmp_path, data, 5)), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'mv: 5 trials (6 folds fitted now' in r.stdout  # only the two new trials (3 yearly folds each) are fitted
    again = pd.read_csv(report/'trials.csv', index_col='trial').sort_index()
    assert len(again) == 5 and again.loc[first.index, ['risk_aversion', 'lookback', 'sharpe']].equals(first[['risk_aversion', 'lookback', 'sharpe']])
    summary = pd.read_csv(report/'summary.csv', index_col=[0, 1])
    assert summary.loc[('chosen', 'selection'), 'n_trials'] == 5

def test_a_killed_sweep_resumes_to_the_same_trials(tmp_path, data, cli):
    "Killed after its first trial, a sweep resumed gives the trials, choice and out-of-sample weights of one never stopped."
    import subprocess, sys, time
    path = write_sweep(tmp_path, data, 3)
    assert cli('sweep', str(path), '--out', str(tmp_path/'straight'), cwd=tmp_path).returncode == 0
    killed = subprocess.Popen([sys.executable, '-c', 'import sys; from portfolio_nb.cli import main; sys.exit(main())',
                               'sweep', str(path), '--out', str(tmp_path/'stopped')], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = tmp_path/'stopped'/'mv'/'.state'/'trial_0000.parquet'
    for _ in range(1200):
        if first.exists() or killed.poll() is not None: break
        time.sleep(0.05)
    killed.kill(); killed.wait()
    assert first.exists() and not (tmp_path/'stopped'/'mv'/'report').exists()  # stopped after the first trial
    r = cli('sweep', str(path), '--out', str(tmp_path/'stopped'), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    straight, stopped = (tmp_path/out/'mv'/'report' for out in ('straight', 'stopped'))
    cols = ['risk_aversion', 'lookback', 'sharpe']
    a, b = (pd.read_csv(d/'trials.csv', index_col='trial') for d in (straight, stopped))
    assert a[cols].sort_values(cols).reset_index(drop=True).equals(b[cols].sort_values(cols).reset_index(drop=True))
    assert pd.read_parquet(straight/'weights_out_of_sample.parquet').equals(pd.read_parquet(stopped/'weights_out_of_sample.parquet'))
