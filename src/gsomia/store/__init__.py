"""Persistence: SQLAlchemy tables and repositories, Alembic migrations; SQLite and PostgreSQL."""
