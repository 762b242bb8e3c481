"""The Dagster layer: assets by stage, resources, IO managers, partitions, checks, jobs,
schedules and sensors. Thin: everything it computes comes from market/, ml/ and storage/."""
