"""Prefect flows and tasks: thin wiring (a task opens a session, calls a models/ rule, writes an artifact, returns a frozen dataclass)."""
