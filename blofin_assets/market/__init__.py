"""Market data: candle sources, schema checks, features and targets. Knows nothing of Dagster."""
