"""Publishing the report safely (bpr.render.publish.write_report and the `report` / `verify`
commands): all or nothing, nothing outside OUT_DIR, invalid models named, non-reports
refused by `verify`."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest

import bpr.render.swap
from bpr.render.output_files import OutputError
from bpr.render.publish import LeftFile, read_folder, write_report
from bpr.render.report import MANIFEST, ReportError, build_report, read_sources, sha256
from bpr.render.verify import verify_report
from tests.bpr.render.test_output_files import listing, run
from tests.bpr.render.test_report import make_procedures


@pytest.fixture(scope="module")
def procedures(valid_catalog: Path) -> Path:
    """The small test catalog without the invalid model (shared: read only)."""
    return valid_catalog


@pytest.fixture(scope="module")
def site(valid_catalog_report: dict[str, bytes]) -> dict[str, bytes]:
    """Its report (``build_report``, built once for the session; this module's copy)."""
    return dict(valid_catalog_report)


@pytest.fixture(scope="module")
def changed_site(procedures: Path, site: dict[str, bytes],
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The report of the same procedures after a source changed (a catalog volume)."""
    root = tmp_path_factory.mktemp("changed") / "procedures"
    shutil.copytree(procedures, root)
    catalog = root / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("annual_volume: 10\n", "annual_volume: 11\n"), encoding="utf-8")
    files = build_report(read_sources(root))
    assert files[MANIFEST] != site[MANIFEST]
    return files


@pytest.fixture
def written(site: dict[str, bytes], tmp_path: Path) -> Path:
    out = tmp_path / "report"
    write_report(out, site)
    return out


def fail_nth(monkeypatch: pytest.MonkeyPatch, name: str, n: int) -> None:
    """Make the n-th call of ``os.<name>`` in bpr.render.swap fail, as a full disk or an
    immutable folder would (fsync: writing a file, then the new folder; rename: putting a
    new report in place), or the n-th exchange of the new folder with the old one."""
    if name == "exchange":
        def refuse(*args: object) -> None:
            raise OSError(errno.EPERM, "simulated failure")

        monkeypatch.setattr(bpr.render.swap, "exchange", refuse)
        return
    real = getattr(os, name)
    calls = {"n": 0}

    def failing(*args: object) -> object:
        calls["n"] += 1
        if calls["n"] == n:
            raise OSError(errno.ENOSPC if name == "fsync" else errno.EPERM, "simulated failure")
        return real(*args)

    monkeypatch.setattr(bpr.render.swap.os, name, failing)


# --------------------------------------------------------------------------- H4: all or nothing


@pytest.mark.parametrize("name, n", [("fsync", 1), ("fsync", 4), ("fsync", 99_999),
                                     ("exchange", 1)])
def test_a_failure_half_way_leaves_the_earlier_report_verifiable(
        written: Path, procedures: Path, changed_site: dict[str, bytes],
        monkeypatch: pytest.MonkeyPatch, name: str, n: int) -> None:
    before = listing(written)
    assert len(changed_site) >= 6
    if n == 99_999:
        n = len(changed_site) + 1  # the new folder's own fsync, after every file
    fail_nth(monkeypatch, name, n)
    with pytest.raises(OutputError, match="simulated failure"):
        write_report(written, changed_site)
    monkeypatch.undo()
    assert listing(written) == before  # no page, manifest or temporary file changed or left
    assert verify_report(read_folder(written), read_sources(procedures)).ok


def test_a_failed_new_report_leaves_nothing(tmp_path: Path, site: dict[str, bytes],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "new").mkdir()
    fail_nth(monkeypatch, "rename", 1)
    with pytest.raises(OutputError):
        write_report(tmp_path / "new" / "report", site)
    assert list((tmp_path / "new").iterdir()) == []


def test_the_manifest_is_written_last(tmp_path: Path, site: dict[str, bytes],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []
    real = bpr.render.swap._write_one

    def write_one(target: Path, data: bytes) -> None:
        written.append(target.name)
        real(target, data)

    monkeypatch.setattr(bpr.render.swap, "_write_one", write_one)
    write_report(tmp_path / "report", site)
    assert written[-1] == MANIFEST and written.count(MANIFEST) == 1
    assert len(written) == len(site)


def test_cli_report_failure_is_an_error_and_the_old_report_still_verifies(
        tmp_path: Path, procedures: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "rep"
    code, _, err = run(["report", str(out), "--procedures", str(procedures), "--workers", "1",
                        "--simulation", "none"], capsys, monkeypatch)
    assert code == 0, err
    changed = tmp_path / "procedures"
    shutil.copytree(procedures, changed)
    page = changed / "other" / "golden-lanes" / "to-be.yaml"
    page.write_text(page.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    fail_nth(monkeypatch, "fsync", 4)
    code, out_text, err = run(["report", str(out), "--procedures", str(changed), "--workers", "1",
                               "--simulation", "none"], capsys, monkeypatch)
    assert code == 1 and out_text == ""
    assert err.startswith(f"error: cannot write {out}/") and err.endswith(": simulated failure\n")
    assert "Traceback" not in err
    code, out_text, err = run(["verify", str(out), "--procedures", str(procedures), "--workers", "1"],
                              capsys, monkeypatch)
    assert code == 0, out_text + err
    assert "changed:" not in out_text


# --------------------------------------------------------------------------- H5: inside OUT_DIR only


def _plant(out: Path, files: dict[str, str]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"format": "tetsuzuki-report/1", "files": files, "sources": {}}
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return out


def test_the_path_traversal_attack_is_refused(tmp_path: Path, site: dict[str, bytes]) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = _plant(tmp_path / "out", {"../victim.txt": "00", "mine.txt": "00"})
    (out / "mine.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ReportError, match=r"lists '\.\./victim\.txt'.*refusing"):
        write_report(out, site)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "mine.txt"]


def test_the_attack_through_the_cli_changes_nothing(tmp_path: Path, procedures: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tmp_path / "trav" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("precious", encoding="utf-8")
    out = _plant(tmp_path / "trav" / "out", {"../victim.txt": sha256(b"precious"), "mine.txt": "00"})
    (out / "mine.txt").write_text("mine", encoding="utf-8")
    code, _, err = run(["report", str(out), "--procedures", str(procedures), "--workers", "1",
                        "--simulation", "none"], capsys, monkeypatch)
    assert code == 1
    assert err.startswith(f"error: {out / MANIFEST} lists '../victim.txt'")
    assert victim.read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "mine.txt"]


@pytest.mark.parametrize("path", ["/etc/passwd", "a/../../victim.txt", "./x", "a//b", "", "a\\..\\b"])
def test_manifest_paths_that_are_not_plain_relative_paths_are_refused(
        tmp_path: Path, site: dict[str, bytes], path: str) -> None:
    out = _plant(tmp_path / "out", {path: "00"})
    with pytest.raises(ReportError, match="refusing"):
        write_report(out, site)
    assert [p.name for p in out.iterdir()] == [MANIFEST]


def test_a_symbolic_link_to_outside_is_refused(tmp_path: Path, site: dict[str, bytes]) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    # The link's target has the hash the manifest records: only the link check stops it.
    out = _plant(tmp_path / "out", {"link.txt": sha256(b"precious")})
    (out / "link.txt").symlink_to(victim)
    with pytest.raises(ReportError, match=r"link\.txt is a symbolic link, not a file"):
        write_report(out, site)
    assert victim.read_text(encoding="utf-8") == "precious"
    assert (out / "link.txt").is_symlink()


def test_a_linked_folder_to_outside_is_refused(tmp_path: Path, site: dict[str, bytes]) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = _plant(tmp_path / "out", {"up/victim.txt": sha256(b"precious")})
    (out / "up").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(ReportError, match=r"up is a symbolic link, not a file"):
        write_report(out, site)
    assert victim.read_text(encoding="utf-8") == "precious"


def test_report_folders_linked_to_outside_are_not_written_through(tmp_path: Path,
                                                                  site: dict[str, bytes]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = _plant(tmp_path / "out", {})
    (out / "diagrams").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ReportError, match=r"diagrams is a symbolic link, not a file"):
        write_report(out, site)
    assert list(elsewhere.iterdir()) == []


def test_only_unchanged_files_of_the_earlier_report_are_removed(written: Path,
                                                               site: dict[str, bytes]) -> None:
    edited = written / "procedures" / "golden-lanes.html"
    edited.write_bytes(edited.read_bytes() + b"<!-- my note -->")
    (written / "notes.txt").write_text("mine", encoding="utf-8")
    smaller = build_report_without(site, "golden-lanes")
    left = write_report(written, smaller)
    assert edited.is_file()  # changed since: kept
    assert not (written / "diagrams" / "golden-lanes.as-is.svg").exists()  # unchanged: removed
    assert [(f.path, f.reason.split(";")[0]) for f in left] == [
        ("notes.txt", "is not part of the report"),
        ("procedures/golden-lanes.html", "was listed by the earlier report but changed since")]
    assert all(isinstance(f, LeftFile) for f in left)


def build_report_without(site: dict[str, bytes], proc_id: str) -> dict[str, bytes]:
    """``site`` without one procedure's files, with a manifest to match."""
    files = {k: v for k, v in site.items() if proc_id not in k and k != MANIFEST}
    manifest = json.loads(site[MANIFEST])
    manifest["files"] = {k: sha256(v) for k, v in sorted(files.items())}
    files[MANIFEST] = json.dumps(manifest).encode("utf-8")
    return files


# --------------------------------------------------------------------------- M11: invalid models


def test_report_with_an_invalid_model_writes_it_and_exits_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    procedures = make_procedures(tmp_path / "procedures")  # with other/broken (a `seel` typo)
    out = tmp_path / "rep"
    code, out_text, err = run(["report", str(out), "--procedures", str(procedures), "--workers", "1",
                               "--simulation", "none"], capsys, monkeypatch)
    assert code == 1
    assert out_text.startswith(f"wrote {len(read_folder(out))} files to {out}")
    assert f"error: broken has model errors (see {out / 'procedures' / 'broken.html'}):\n" in err
    assert f"  {procedures / 'other/broken/as-is.yaml'}:" in err and "'seel'" in err
    assert err.endswith("FAILED: 1 procedure with invalid models; the report shows the errors\n")
    assert "golden-lanes" not in err and "child-allowance-claim" not in err
    assert (out / "procedures" / "broken.html").is_file()
    code, out_text, err = run(["verify", str(out), "--procedures", str(procedures), "--workers", "1"],
                              capsys, monkeypatch)
    assert code == 0, out_text + err


# --------------------------------------------------------------------------- M5 / L3: verify of a non-report


def test_verify_refuses_a_folder_without_manifest_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def no_rebuild(*args: object, **kwargs: object) -> None:
        raise AssertionError("verify rebuilt the report of a folder that is no report")

    monkeypatch.setattr("bpr.render.verify.verify_report", no_rebuild)  # imported by the command
    (tmp_path / "notrep").mkdir()
    (tmp_path / "notrep" / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    for name in ("notrep", "empty"):
        code, out_text, err = run(["verify", str(tmp_path / name)], capsys, monkeypatch)
        assert (code, out_text) == (1, "")
        assert err == f"error: {tmp_path / name} has no manifest.json: not a tetsuzuki report\n"


def test_verify_of_a_file_says_it_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "as-is.yaml").write_text("x", encoding="utf-8")
    code, _, err = run(["verify", str(tmp_path / "as-is.yaml")], capsys, monkeypatch)
    assert (code, err) == (1, f"error: {tmp_path / 'as-is.yaml'} is a file, not a report folder\n")
    code, _, err = run(["verify", str(tmp_path / "nope")], capsys, monkeypatch)
    assert (code, err) == (1, f"error: no such folder: {tmp_path / 'nope'}\n")


# --------------------------------------------------------------------------- T2 3/8: foreign manifest.json

_USER_FILES = {"index.html": "<h1>my site</h1>", "style.css": "body{}", "notes.txt": "my notes"}
_FOREIGN_MANIFESTS = {
    "web-app": json.dumps({"name": "My App", "start_url": "/index.html", "icons": []}),
    "invalid JSON": "{not json",
    "JSON array": json.dumps(["index.html", "notes.txt"]),
    "listing notes.txt with its hash": json.dumps(
        {"files": {"notes.txt": sha256(b"my notes")}, "sources": {}}),
    "other tool's format": json.dumps({"format": "webpack-manifest/5", "files": {}, "sources": {}}),
    "future report format": json.dumps({"format": "tetsuzuki-report/99", "files": {}, "sources": {}}),
    "files not a mapping": json.dumps({"format": "tetsuzuki-report/1", "files": ["notes.txt"],
                                       "sources": {}}),
    "not UTF-8": "\udcff",
}


@pytest.mark.parametrize("kind", sorted(_FOREIGN_MANIFESTS))
def test_a_folder_with_a_foreign_manifest_is_refused_and_left_as_it_was(
        tmp_path: Path, procedures: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    out = tmp_path / "site"
    out.mkdir()
    for name, text in _USER_FILES.items():
        (out / name).write_text(text, encoding="utf-8")
    (out / MANIFEST).write_bytes(_FOREIGN_MANIFESTS[kind].encode("utf-8", "surrogateescape"))
    before = listing(out)
    code, out_text, err = run(["report", str(out), "--procedures", str(procedures), "--workers", "1",
                               "--simulation", "none"], capsys, monkeypatch)
    assert (code, out_text) == (1, "")
    assert err.startswith(f"error: {out / MANIFEST} ") and "not a tetsuzuki report manifest" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert listing(out) == before  # index.html, style.css, notes.txt and the manifest untouched


def test_an_earlier_report_is_still_replaced(written: Path, changed_site: dict[str, bytes]) -> None:
    (written / "notes.txt").write_text("mine", encoding="utf-8")
    left = write_report(written, changed_site)
    assert read_folder(written)[MANIFEST] == changed_site[MANIFEST]
    assert [f.path for f in left] == ["notes.txt"]


def test_verify_refuses_a_manifest_without_the_format_tag(
        tmp_path: Path, procedures: Path, site: dict[str, bytes],
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "old"
    write_report(out, site)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    del manifest["format"]  # as written before the tag existed
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    code, out_text, err = run(["verify", str(out), "--procedures", str(procedures), "--workers", "1"],
                              capsys, monkeypatch)
    assert (code, out_text) == (1, "")
    assert err.startswith(f"error: {out / MANIFEST} has no \"format\" field: not a tetsuzuki report")
    with pytest.raises(ReportError, match=r'has no "format" field'):
        write_report(out, site)


# --------------------------------------------------------------------------- verify: files only


def _plant_entry(written: Path, kind: str, tmp_path: Path) -> str:
    """Put something that is not a regular file into a written report; its path."""
    if kind == "dangling link":
        (written / "gone.html").symlink_to(tmp_path / "nowhere.html")
        return "gone.html"
    if kind == "link to an outside folder":
        (written / "more").symlink_to(tmp_path, target_is_directory=True)
        return "more"
    if kind == "named pipe":
        os.mkfifo(written / "pipe.html")
        return "pipe.html"
    # a page replaced by a link to an outside copy with the same bytes
    page = written / "index.html"
    copy = tmp_path / "copy.html"
    copy.write_bytes(page.read_bytes())
    page.unlink()
    page.symlink_to(copy)
    return "index.html"


@pytest.mark.parametrize("kind", ["dangling link", "link to an outside folder", "named pipe",
                                  "page replaced by a link to an identical copy"])
def test_verify_fails_on_every_entry_that_is_not_a_file(
        kind: str, written: Path, procedures: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from bpr.render.swap import scan

    assert verify_report(read_folder(written), read_sources(procedures)).ok
    outside = tmp_path / "outside"
    outside.mkdir()
    path = _plant_entry(written, kind, outside)
    result = verify_report(read_folder(written), read_sources(procedures),
                           unsafe=scan(written).unsafe)
    assert not result.ok
    assert any(line.startswith(f"not a file (never followed or opened): {path} (")
               for line in result.lines())
    code, out_text, _ = run(["verify", str(written), "--procedures", str(procedures),
                             "--workers", "1"], capsys, monkeypatch)
    assert code == 1 and f"not a file (never followed or opened): {path}" in out_text


# --------------------------------------------------------------------------- report --verify


def test_report_verify_checks_the_folder_written_as_verify_does(
        tmp_path: Path, procedures: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "rep"
    args = ["--procedures", str(procedures), "--workers", "1"]
    code, said, err = run(["report", str(out), *args, "--simulation", "none", "--verify"],
                          capsys, monkeypatch)
    assert code == 0, err
    files = len(read_folder(out))
    assert f"OK: {files} files in {out} match the report derived from the sources\n" in said
    code, alone, err = run(["verify", str(out), *args], capsys, monkeypatch)
    assert code == 0 and alone.splitlines()[-1] == said.splitlines()[-1]  # the same check, the same words


def test_report_verify_fails_when_the_folder_is_not_the_report_derived_again(
        tmp_path: Path, procedures: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import bpr.cli.report_cmd as report_cmd

    real = report_cmd._derive

    def other(*args: object, **kwargs: object) -> report_cmd.Derived:  # e.g. a non-deterministic build
        derived = real(*args, **kwargs)  # type: ignore[arg-type]
        derived.files["index.html"] = derived.files["index.html"].replace(b"</body>", b"<p>x</p></body>")
        return derived

    monkeypatch.setattr(report_cmd, "_derive", other)
    out = tmp_path / "rep"
    code, said, err = run(["report", str(out), "--procedures", str(procedures), "--workers", "1",
                           "--simulation", "none", "--verify"], capsys, monkeypatch)
    assert code == 1 and "changed: index.html" in said
    assert f"FAILED: {out} does not match the report derived from the sources" in err
    assert (out / "index.html").is_file()  # written, then found wrong: said so, not hidden


def test_report_verify_derives_while_the_pdf_is_printed(
        tmp_path: Path, procedures: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The derivation starts before the print ends: the print (faked here: no Chromium
    needed) waits for it to start, and would fail the command if it never did."""
    import os
    import sys
    import threading

    import bpr.cli.report_cmd as report_cmd
    import bpr.render.publish as publish
    from bpr.render.pdf import PDF_FILE

    deriving = threading.Event()
    real = report_cmd._derive
    priorities: list[int] = []

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def derive(*args: object, **kwargs: object) -> report_cmd.Derived:
        priorities.append(niceness())
        deriving.set()
        return real(*args, **kwargs)  # type: ignore[arg-type]

    def printing(files: dict[str, bytes]) -> bytes:
        assert deriving.wait(60), "the report was not derived while printing"
        import hashlib
        import io

        from pypdf import PdfWriter

        from bpr.render.pdf import normalise
        from bpr.render.print_doc import PRINT_DOCUMENT

        blank = io.BytesIO()
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        writer.write(blank)  # a one-page PDF "printed from" this print document
        return normalise(blank.getvalue(), hashlib.sha256(files[PRINT_DOCUMENT]).hexdigest(), "fake")

    monkeypatch.setattr(report_cmd, "_derive", derive)
    monkeypatch.setattr(publish, "print_report", printing)
    out = tmp_path / "rep"
    before = niceness()
    code, said, err = run(["report", str(out), "--procedures", str(procedures), "--workers", "1",
                           "--simulation", "none", "--pdf", "--verify"], capsys, monkeypatch)
    assert niceness() == before  # the caller's priority is left as it was
    if sys.platform.startswith("linux"):  # the derivation's thread yields to the print
        assert (priorities and priorities[0] > before) or before == 19
    assert code == 0, said + err
    assert deriving.is_set() and f"wrote {out / PDF_FILE} (1 pages" in said
    assert f"OK: {len(read_folder(out))} files in {out} match" in said  # the PDF among them
