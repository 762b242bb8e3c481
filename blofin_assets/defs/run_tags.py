"""Run tags the sensors set: drift_sensor on retraining runs (read back by the model assets),
new_symbols_sensor on a new symbol's first run."""

RETRAIN = "blofin/retrain"  # "true" on runs drift_sensor requests
MODEL = "blofin/model"
REASON = "blofin/reason"  # performance, feature_drift, or both joined by "+"
METRIC = "blofin/metric"
BASELINE = "blofin/baseline"
CURRENT = "blofin/current"
SEVERITY = "blofin/severity"
TRIGGER_RUN = "blofin/trigger_run"  # the monitoring run whose decision asked for this one
NEW_SYMBOL = "blofin/new_symbol"  # the symbol whose first candles, features and targets a run computes
