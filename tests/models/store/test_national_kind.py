"""Migration 0003: a store of revision 0002 accepts national runs after the upgrade, and
downgrading removes them (and their results) so the old constraint holds again."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from models.store.database import Store
from models.store.migrate import alembic_config


def test_a_0002_store_upgrades_to_accept_national_runs_and_downgrades_cleanly(store_url: str) -> None:
    engine = create_engine(store_url)
    if engine.dialect.name == "sqlite":
        Path(engine.url.database or "").parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(engine), "0002")
    insert = text("INSERT INTO runs (kind, status, parameters, code_version, started_at, host) "
                  "VALUES (:k, 'completed', '{}', 'old', CURRENT_TIMESTAMP, 'h')")
    with pytest.raises(IntegrityError), engine.begin() as c:
        c.execute(insert, {"k": "national"})
    with engine.begin() as c:
        c.execute(insert, {"k": "simulate"})
    engine.dispose()

    store = Store(store_url)  # upgrades to the head
    run = store.start_run("national", {"bands": ["p0-5k"]}, seed=1, code_version="new")
    store.put_analysis_result(run, "national-totals", "summary", {"rows": []})
    assert [r.kind for r in store.runs()] == ["national", "simulate"]
    store.close()

    engine = create_engine(store_url)
    command.downgrade(alembic_config(engine), "0002")
    with engine.begin() as c:
        assert c.execute(text("SELECT kind FROM runs")).scalars().all() == ["simulate"]
        assert c.execute(text("SELECT COUNT(*) FROM analysis_results")).scalar() == 0
    engine.dispose()
