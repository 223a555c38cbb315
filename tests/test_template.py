"The walk-forward template only displays a run record: it computes no metric, writes nothing, and shows the summary's numbers."
import nbformat, pandas as pd, papermill as pm, yaml
from portfolio_nb.reports import TEMPLATE

# what reads the panel, fits, computes a metric or writes a file
COMPUTING = ('strategy_metrics', 'sharpe_difference', 'ic_series', 'ic_decay(', 'quantile_returns(', 'holding_returns',
             'cost_sensitivity(', 'period_returns', 'monthly_table', 'drawdown_table', 'rank_autocorrelation(',
             'realized_volatility', '.corr(', 'run_walkforward', 'record_run', 'load_panel', 'build_sample_dataset',
             'to_parquet', 'to_csv', 'write_text', 'write_bytes', 'open(', 'mkdir')

def test_template_code_computes_and_writes_nothing():
    code = [c.source for c in nbformat.read(TEMPLATE, 4).cells if c.cell_type == 'code']
    assert [name for name in COMPUTING if any(name in source for source in code)] == []
    # the one exception: with no record given, the package computes the smoke run's (the template's default)
    assert [line.strip() for source in code for line in source.splitlines() if 'smoke_record(' in line] == [
        "record = smoke_record(Path(tempfile.gettempdir())/'portfolio_nb_smoke') if record_dir is None else RunRecord.read(record_dir)"]

def shown_text(notebook) -> str:
    "Everything the executed `notebook` displays: Markdown, HTML, plain text and printed output."
    parts = []
    for cell in notebook.cells:
        for out in cell.get('outputs', []):
            parts.append(out.get('text', ''))
            parts += [str(out.get('data', {}).get(kind, '')) for kind in ('text/markdown', 'text/html', 'text/plain')]
    return '\n'.join(parts)

def test_template_shows_the_summarys_numbers_from_a_stored_record(tmp_path, data, cli):
    config = dict(name='e2e', data=str(data), start='2019-01-01', end='2020-12-31', rebalance='M', retrain='Y',
                  constraints=dict(max_position_weight=0.2, transaction_cost_bps=10),
                  models=dict(equal_weight={}, inverse_volatility={'lookback': 63}))
    (tmp_path/'config.yaml').write_text(yaml.safe_dump(config))
    r = cli('run', str(tmp_path/'config.yaml'), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    run = tmp_path/'reports'/'e2e'
    summary = pd.read_csv(run/'summary.csv', index_col='model').loc['inverse_volatility']
    record = run/'inverse_volatility'
    stored = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in record.iterdir()}
    (tmp_path/'elsewhere').mkdir()
    pm.execute_notebook(str(TEMPLATE), str(tmp_path/'shown.ipynb'), parameters=dict(record_dir=str(record)),
                        cwd=str(tmp_path/'elsewhere'), kernel_name='python3', progress_bar=False)
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in record.iterdir()} == stored  # nothing written
    assert list((tmp_path/'elsewhere').iterdir()) == []
    shown = shown_text(nbformat.read(tmp_path/'shown.ipynb', 4))
    assert f"Sharpe ratio **{summary.sharpe:.2f}**" in shown
    assert f"a difference of **{summary.sharpe_diff_vs_1n:+.2f}** with p = **{summary.p_value_vs_1n:.2f}**" in shown
    for metric in ('sharpe', 'dsr', 'psr', 'annual_return', 'annual_volatility', 'max_drawdown', 'avg_turnover'):
        assert f">{summary[metric]:.4f}<" in shown, metric  # the metrics table, to its four digits
