"""Outbound email: Vietnamese templates, message composition, the outbox and its SMTP sender (no Prefect here)."""
