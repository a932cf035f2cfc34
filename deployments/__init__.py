"""Deployments and schedules: the catalog, serving from one process, and the generated prefect.yaml for a work pool."""
