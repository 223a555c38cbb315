"End to end: the embedded dataset and the shared real dataset through the loader, features and windows."
import numpy as np, pytest, torch
from portfolio_nb.data import build_sample_dataset, load_panel, shared_dataset
from portfolio_nb.features import FeatureConfig, compute_features, make_windows, make_targets

def test_embedded_dataset_to_windows(tmp_path):
    panel = load_panel(build_sample_dataset(tmp_path/'sp500'), verbose=False)
    assert panel.volume is None and len(panel.tickers) == 20 and panel.dates[0].year == 1990
    cube = compute_features(panel, FeatureConfig(), verbose=False)
    assert 'volume_ratio_20d' not in cube.names and any('volume_ratio_20d left out' in n for n in cube.notes)
    ends = panel.dates[[-300, -200, -100]]
    X, mask = make_windows(cube, ends)
    Y = make_targets(panel, ends, 21)
    assert X.shape == (3, 20, 60, 4) and mask.all() and torch.isfinite(Y).all()
    assert X.untyped_storage().data_ptr() == torch.from_numpy(cube.values).untyped_storage().data_ptr()

def test_sample_dataset_is_reused_not_rebuilt(tmp_path):
    dest = build_sample_dataset(tmp_path/'sp500')
    stamp = (dest/'returns_daily.parquet').stat().st_mtime_ns
    assert build_sample_dataset(dest).samefile(dest) and (dest/'returns_daily.parquet').stat().st_mtime_ns == stamp

@pytest.mark.skipif(shared_dataset() is None, reason='shared dataset absent')
def test_shared_dataset_ranker_features():
    panel = load_panel(shared_dataset(), verbose=False)
    cube = compute_features(panel, FeatureConfig.preset('ranker'), verbose=False)
    assert cube.values.shape == (1258, 505, 14) and cube.values.dtype == np.float32
    X, mask = make_windows(cube, panel.dates[[-1]])
    assert 400 < mask.sum() <= 499  # members with 90 clean days; the six renamed tickers never
