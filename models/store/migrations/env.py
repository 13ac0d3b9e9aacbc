"""Alembic environment: runs migrations on the engine passed in by models.store.migrate."""

from __future__ import annotations

from alembic import context

from models.store.database import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    context.run_migrations()
