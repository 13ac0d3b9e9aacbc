"""The results store (SQLAlchemy) and its Alembic migrations."""
