"""Alembic migrations: the one schema history of openbss."""
