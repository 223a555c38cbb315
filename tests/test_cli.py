"End to end: `portfolio-nb run` renders reports with papermill; bad configs fail fast with exit code 2."
import json
import pandas as pd, pytest, yaml


def write_config(tmp_path, data_dir, **over):
    cfg = dict(name='e2e', data=str(data_dir), start='2019-01-01', end='2020-12-31', rebalance='M', retrain='Y',
               constraints=dict(max_position_weight=0.2, transaction_cost_bps=10),
               models=dict(equal_weight={}, inverse_volatility={'lookback': 63}))
    cfg.update(over)
    path = tmp_path/'config.yaml'
    path.write_text(yaml.safe_dump(cfg))
    return path

@pytest.mark.parametrize('over, message', [
    (dict(models={'equal_wieght': {}}), "unknown model(s) ['equal_wieght']"),
    (dict(rebalnce='M'), "unknown config key(s) ['rebalnce']"),
    (dict(start='2021-01-01', end='2020-01-01'), 'is not before end'),
    (dict(start='1980-01-01'), 'outside the data'),
    (dict(constraints={'top_k_positions': 3, 'max_position_weight': 0.1}), 'constraints:'),
    (dict(data='no/such/folder'), 'does not exist'),
])
def test_bad_config_fails_fast_with_one_line(tmp_path, data, over, message, cli):
    r = cli('run', str(write_config(tmp_path, data, **over)), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path/'reports').exists()

def test_run_renders_reports_and_summary(tmp_path, data, cli):
    r = cli('run', str(write_config(tmp_path, data)), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    run = tmp_path/'reports'/'e2e'
    for m in ('equal_weight', 'inverse_volatility'):
        files = {f.name for f in (run/m).iterdir()}
        assert {'report.ipynb', 'report.html', 'weights.parquet', 'portfolio_returns.parquet', 'metrics.json'} <= files
        rets = pd.read_parquet(run/m/'portfolio_returns.parquet')
        assert list(rets.columns) == ['gross', 'net', 'turnover', 'cost'] and rets.index[0] == pd.Timestamp('2019-01-31')
        w = pd.read_parquet(run/m/'weights.parquet')
        assert (w.sum(axis=1) - 1).abs().max() < 1e-9 and w.max().max() <= 0.2 + 1e-9
        assert json.loads((run/m/'metrics.json').read_text())['metrics']['sharpe'] == pytest.approx(
            rets.net.mean() / rets.net.std() * 252 ** 0.5)
        assert 'run_walkforward(' not in (run/m/'report.html').read_text()  # no code in the HTML
    summary = (run/'summary.html').read_text()
    assert 'equal_weight' in summary and 'inverse_volatility' in summary and 'dsr' in summary
    table = pd.read_csv(run/'summary.csv', index_col='model')
    for m in ('equal_weight', 'inverse_volatility'):  # the summary's numbers are the reports' own
        metrics = json.loads((run/m/'metrics.json').read_text())['metrics']
        assert table.loc[m, 'dsr'] == pytest.approx(metrics['dsr']) and table.loc[m, 'n_trials'] == 2
        assert metrics['trial_sharpes_var'] == pytest.approx(1 / (len(pd.read_parquet(run/m/'portfolio_returns.parquet')) - 1))
    # each report tests its Sharpe ratio against 1/N's; the summary carries the test, sorted by Sharpe ratio
    from portfolio_nb.metrics import sharpe_difference
    nets = {m: pd.read_parquet(run/m/'portfolio_returns.parquet').net for m in ('equal_weight', 'inverse_volatility')}
    vs = json.loads((run/'inverse_volatility'/'metrics.json').read_text())['vs_equal_weight']
    assert vs == pytest.approx({k: sharpe_difference(nets['inverse_volatility'], nets['equal_weight'])[k] for k in vs})
    assert table.loc['inverse_volatility', 'p_value_vs_1n'] == pytest.approx(vs['p_value'])
    assert table.sharpe.is_monotonic_decreasing and table.loc['equal_weight', 'sharpe_diff_vs_1n'] == 0
    assert 'class="benchmark"' in summary and '<script src="https://' not in (run/'inverse_volatility'/'report.html').read_text()
    assert 'TCP without encryption' not in r.stderr  # the kernels talk over IPC

def test_failing_model_leaves_earlier_reports_intact(tmp_path, data, cli):
    path = write_config(tmp_path, data, models=dict(equal_weight={}))
    assert cli('run', str(path), '--out', str(tmp_path/'reports'), cwd=tmp_path).returncode == 0
    before = (tmp_path/'reports'/'e2e'/'equal_weight'/'report.html').read_bytes()
    # a one-day lookback has no volatility to invert: the model fails at its first decision
    path = write_config(tmp_path, data, models=dict(equal_weight={}, inverse_volatility={'lookback': 1}))
    r = cli('run', str(path), '--models', 'inverse_volatility', '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 1 and 'inverse_volatility' in r.stderr and 'rebalance on 2019-01-31: target' in r.stderr
    run = tmp_path/'reports'/'e2e'
    assert (run/'equal_weight'/'report.html').read_bytes() == before
    assert not (run/'inverse_volatility').exists() and 'rebalance on 2019-01-31' in (run/'.failed'/'inverse_volatility.txt').read_text()
    assert not [p for p in run.iterdir() if p.name.startswith('.inverse_volatility')]

def test_a_fold_that_fails_names_itself(tmp_path, data, cli):
    # a training sample every 100,000 days is one sample: too few to split; the longest fold fits (and fails) first
    path = write_config(tmp_path, data, models=dict(lstm=dict(preset='cpu-small', sample_stride=100_000)))
    r = cli('run', str(path), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 1 and 'portfolio-nb: fitting failed: lstm fold 1 (trained to 2020-01-30' in r.stderr
    assert 'ValueError: lstm: 1 training samples between' in r.stderr
    assert not (tmp_path/'reports'/'e2e'/'lstm').exists()

def test_workers_give_the_serial_weights(tmp_path, data, cli):
    models = dict(equal_weight={}, min_variance={'lookback': 252}, stock_lstm=dict(preset='cpu-small', top_k=5, train=dict(epochs=1)))
    path = write_config(tmp_path, data, models=models)
    for flags, out in (([], 'serial'), (['--workers', '2'], 'parallel')):
        r = cli('run', str(path), *flags, '--out', str(tmp_path/out), cwd=tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
    for m in models:
        assert pd.read_parquet(tmp_path/'serial'/'e2e'/m/'weights.parquet').equals(pd.read_parquet(tmp_path/'parallel'/'e2e'/m/'weights.parquet'))
    assert cli('run', str(path), '--workers', '0', cwd=tmp_path).stderr.strip() == 'portfolio-nb: bad config: --workers must be at least 1, got 0'


def test_summary_leaves_out_reports_of_another_config(tmp_path, data, cli):
    assert cli('run', str(write_config(tmp_path, data)), '--out', str(tmp_path/'reports'), cwd=tmp_path).returncode == 0
    changed = write_config(tmp_path, data, constraints=dict(max_position_weight=0.2, transaction_cost_bps=25))
    assert cli('run', str(changed), '--models', 'equal_weight', '--out', str(tmp_path/'reports'), cwd=tmp_path).returncode == 0
    run = tmp_path/'reports'/'e2e'
    assert pd.read_csv(run/'summary.csv', index_col='model').index.tolist() == ['equal_weight']
    assert 'another version of the config or the code: inverse_volatility' in (run/'summary.html').read_text()

def test_scores_are_judged_at_the_holding_period(tmp_path, data, cli):
    from portfolio_nb.data import load_panel
    from portfolio_nb.metrics import holding_returns, information_coefficient
    models = dict(stock_lstm=dict(preset='cpu-small', top_k=5, train=dict(epochs=1)))
    r = cli('run', str(write_config(tmp_path, data, models=models)), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path/'reports'/'e2e'/'stock_lstm'
    metrics = json.loads((out/'metrics.json').read_text())['metrics']
    for k in ('ic_hold', 'rank_ic_hold', 'rank_ic_1d', 'rank_ic_5d', 'rank_ic_21d'): assert f'{k}_t_stat' in metrics
    scores, returns = pd.read_parquet(out/'scores.parquet'), load_panel(data, verbose=False).returns
    hold = holding_returns(returns, scores.index, pd.read_parquet(out/'portfolio_returns.parquet').index[-1])
    assert metrics['rank_ic_hold'] == pytest.approx(information_coefficient(scores, hold, 'spearman').mean())

def test_set_overrides_the_config_everywhere(tmp_path, data, cli):
    "--set values reach the fit, the report's kernel and its printed config; a wrong key is refused with the nearest."
    path = write_config(tmp_path, data, models=dict(equal_weight={}))
    r = cli('run', str(path), '--set', 'constraints.transaction_cost_bps=50', '--set', 'name=cheap',
            '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    run = tmp_path/'reports'/'cheap'
    costs = pd.read_parquet(run/'equal_weight'/'portfolio_returns.parquet').cost
    turnover = pd.read_parquet(run/'equal_weight'/'portfolio_returns.parquet').turnover
    assert costs.iloc[0] == pytest.approx(turnover.iloc[0] * 50e-4, rel=1e-9)
    assert 'transaction_cost_bps: 50' in (run/'equal_weight'/'report.html').read_text()
    r = cli('run', str(path), '--set', 'constraints.transaction_cost=50', cwd=tmp_path)
    assert r.returncode == 2 and "did you mean 'transaction_cost_bps'?" in r.stderr and len(r.stderr.strip().splitlines()) == 1
