"""`db upgrade`, `runs` and `runs show` on stores that are broken or do not exist yet:
a clean error (never a traceback), and reading never creates a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpr.cli import app
from bpr.errors import StorageError
from models.store.database import Store, sqlite_file, store_exists
from models.store.migrate import head_revision

runner = CliRunner()


def _use(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("TETSUZUKI_DATABASE_URL", url)


@pytest.fixture(params=["not-a-database", "folder", "not-a-url"])
def bad_store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(URL, what the error says) of a store that cannot be opened."""
    if request.param == "not-a-database":
        file = tmp_path / "garbage.db"
        file.write_text("hello, not sqlite\n" * 20, encoding="utf-8")
        return f"sqlite:///{file}", "file is not a database"
    if request.param == "folder":
        return f"sqlite:///{tmp_path}", "is a folder, not a SQLite database file"
    return "notaurl", "Could not parse SQLAlchemy URL"


@pytest.mark.parametrize("command", [["db", "upgrade"], ["runs"], ["runs", "show", "1"]])
def test_a_store_that_cannot_be_opened_is_a_clean_error(
        command: list[str], bad_store: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    url, reason = bad_store
    _use(monkeypatch, url)
    result = runner.invoke(app, command)
    assert result.exit_code == 1
    assert isinstance(result.exception, StorageError), result.exception
    message = str(result.exception)
    assert message.startswith("cannot open the store at ") and reason in message
    assert "[SQL:" not in message and "sqlalche.me" not in message      # the reason only


def test_reading_commands_create_no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "nodir" / "x.db"
    _use(monkeypatch, f"sqlite:///{db}")
    listed = runner.invoke(app, ["runs", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == []
    assert f"no store at {db} yet" in listed.stderr
    shown = runner.invoke(app, ["runs", "show", "1"])
    assert shown.exit_code == 1
    assert str(shown.exception) == f"no run with id 1: no store at {db} yet"
    assert not db.exists() and not db.parent.exists()
    with pytest.raises(StorageError, match=r"no store at .* yet"):
        Store(f"sqlite:///{db}", create=False)
    assert not db.parent.exists()


def test_db_upgrade_creates_then_finds_the_store(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "new" / "s.db"
    _use(monkeypatch, f"sqlite:///{db}")
    first = runner.invoke(app, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "upgraded" in first.stdout and head_revision() in first.stdout
    assert db.is_file()
    again = runner.invoke(app, ["db", "upgrade"])
    assert again.exit_code == 0 and "already at" in again.stdout
    listed = runner.invoke(app, ["runs", "--format", "json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout) == [] and listed.stderr == ""


def test_sqlite_file_and_store_exists(tmp_path: Path) -> None:
    assert sqlite_file(f"sqlite:///{tmp_path}/a.db") == tmp_path / "a.db"
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql+psycopg://u@h/db") is None
    assert not store_exists(f"sqlite:///{tmp_path}/a.db")
    assert store_exists("postgresql+psycopg://u@h/db")       # opening it will tell
    (tmp_path / "a.db").touch()
    assert store_exists(f"sqlite:///{tmp_path}/a.db")


def test_runs_prune_dry_run_then_delete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _use(monkeypatch, url)
    store = Store(url)
    done = []
    for _ in range(3):
        run = store.start_run("analyze", {}, seed=None, code_version="t")
        store.finish_run(run, "completed")
        done.append(run)
    store.close()
    preview = runner.invoke(app, ["runs", "prune", "--keep", "1", "--dry-run", "--format", "json"])
    assert preview.exit_code == 0, preview.output
    assert sorted(r["id"] for r in json.loads(preview.output)) == done[:2]
    assert len(json.loads(runner.invoke(app, ["runs", "--format", "json"]).output)) == 3
    pruned = runner.invoke(app, ["runs", "prune", "--keep", "1", "--format", "json"])
    assert sorted(r["id"] for r in json.loads(pruned.output)) == done[:2]
    assert [r["id"] for r in json.loads(runner.invoke(app, ["runs", "--format", "json"]).output)
            ] == [done[2]]
    bad = runner.invoke(app, ["runs", "prune", "--before", "yesterday"])
    assert bad.exit_code != 0 and "is not a date" in bad.output
    nothing = runner.invoke(app, ["runs", "prune"])
    assert nothing.exit_code != 0 and "say what to prune" in nothing.output
