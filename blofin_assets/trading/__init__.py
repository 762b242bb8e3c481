"""Trading the signals as BloFin's perpetual swaps trade: costs a position pays (costs.py),
positions sized from probabilities (sizing.py), the bar-by-bar ledger (ledger.py) and the report
a quant reads (report.py). Knows nothing of Dagster."""
