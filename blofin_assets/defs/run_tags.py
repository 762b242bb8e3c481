"""Run tags the drift sensor sets on retraining runs, read back by the model assets."""

RETRAIN = "blofin/retrain"  # "true" on runs drift_sensor requests
MODEL = "blofin/model"
REASON = "blofin/reason"  # performance, feature_drift, or both joined by "+"
METRIC = "blofin/metric"
BASELINE = "blofin/baseline"
CURRENT = "blofin/current"
SEVERITY = "blofin/severity"
TRIGGER_RUN = "blofin/trigger_run"  # the monitoring run whose decision asked for this one
