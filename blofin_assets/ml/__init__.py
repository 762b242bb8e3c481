"""Machine learning: splits, metrics, model classes, model store, ensemble. Knows nothing of Dagster."""
