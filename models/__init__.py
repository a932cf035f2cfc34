"""Domain of planflow: SQLModel tables, the database, settings and the pure rules (no Prefect here)."""
