"""What users call to get predictions from the saved models: the Python API and the newest
candle's signals. Knows nothing of Dagster."""
