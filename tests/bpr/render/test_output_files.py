"""Safe output files (bpr.render.output_files) and the commands that write them: a failed write
leaves the old file or nothing, and says `error: cannot write FILE: <reason>` with exit 1."""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import bpr.render.output_files
from bpr.cli import main
from bpr.render.output_files import OutputError, write_file, write_files
from tests.bpr.render.test_report import make_procedures
from tests.conftest import EXAMPLE

AS_IS = str(EXAMPLE / "as-is.yaml")
TO_BE = str(EXAMPLE / "to-be.yaml")


def run(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> tuple[int, str, str]:
    """Run the console script's entry point: (exit status, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["tetsuzuki", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    out = capsys.readouterr()
    code = stopped.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err


def listing(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden temporary files included) -> bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """``disk_full(n)``: the n-th and every later flush to disk fails with ENOSPC (after part
    of the file was written, as on a full disk)."""

    def arm(after: int = 0) -> None:
        calls = {"n": 0}
        real = os.fsync

        def fsync(fd: int) -> None:
            calls["n"] += 1
            if calls["n"] > after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real(fd)

        monkeypatch.setattr(bpr.render.output_files.os, "fsync", fsync)

    return arm


@pytest.fixture
def failing_rename(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[str], bool]], None]:
    """``failing_rename(pred)``: renaming onto a path for which ``pred`` is true fails."""

    def arm(pred: Callable[[str], bool]) -> None:
        real = os.replace

        def replace(src: str | Path, dst: str | Path) -> None:
            if pred(str(dst)) and ".tmp" in str(src):
                raise OSError(errno.EPERM, os.strerror(errno.EPERM), str(dst))
            real(src, dst)

        monkeypatch.setattr(bpr.render.output_files.os, "replace", replace)

    return arm


# --------------------------------------------------------------------------- the helper


def test_write_file_writes_bytes_and_text_with_the_usual_mode(tmp_path: Path) -> None:
    write_file(tmp_path / "a.bin", b"\x00\x01")
    write_file(tmp_path / "b.txt", "日本語")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_bytes() == "日本語".encode()
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "a.bin").stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b.txt"]


def test_write_file_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "secret.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    write_file(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_write_file_refuses_a_folder(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(OutputError, match=r"^cannot write .*out: is a folder$"):
        write_file(tmp_path / "out", b"x")
    assert list((tmp_path / "out").iterdir()) == []


def test_write_file_creates_missing_parent_folders(tmp_path: Path) -> None:
    write_file(tmp_path / "a" / "b" / "c.txt", "x")
    assert (tmp_path / "a" / "b" / "c.txt").read_text(encoding="utf-8") == "x"


def test_a_parent_that_is_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match=r"cannot write .*f/x\.svg: .*f is not a folder"):
        write_file(tmp_path / "f" / "x.svg", b"x")
    assert (tmp_path / "f").read_text(encoding="utf-8") == "keep"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
        tmp_path: Path, disk_full: Callable[[int], None]) -> None:
    target = tmp_path / "d.svg"
    target.write_text("OLD", encoding="utf-8")
    disk_full(0)
    with pytest.raises(OutputError) as caught:
        write_file(target, b"<svg>" + b"x" * 100_000)
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert listing(tmp_path) == {"d.svg": b"OLD"}


def test_a_failed_write_into_missing_folders_leaves_nothing(
        tmp_path: Path, disk_full: Callable[[int], None]) -> None:
    disk_full(0)
    with pytest.raises(OutputError):
        write_file(tmp_path / "new" / "deeper" / "d.svg", b"x")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rename_keeps_the_old_file(
        tmp_path: Path, failing_rename: Callable[[Callable[[str], bool]], None]) -> None:
    target = tmp_path / "d.svg"
    target.write_text("OLD", encoding="utf-8")
    failing_rename(lambda dst: dst.endswith("d.svg"))
    with pytest.raises(OutputError, match="Operation not permitted"):
        write_file(target, b"new")
    assert listing(tmp_path) == {"d.svg": b"OLD"}


def test_a_pair_is_written_both_or_neither(tmp_path: Path,
                                           failing_rename: Callable[[Callable[[str], bool]], None],
                                           disk_full: Callable[[int], None]) -> None:
    first, second = tmp_path / "half.bpmn", tmp_path / "half.json"
    first.write_text("OLD BPMN", encoding="utf-8")
    second.write_text("OLD JSON", encoding="utf-8")
    failing_rename(lambda dst: dst.endswith(".json"))  # the first rename succeeds, then undone
    with pytest.raises(OutputError, match=r"half\.json"):
        write_files([(first, "NEW BPMN"), (second, "NEW JSON")])
    assert listing(tmp_path) == {"half.bpmn": b"OLD BPMN", "half.json": b"OLD JSON"}
    disk_full(1)  # the first file is written, the second one fails
    with pytest.raises(OutputError, match=r"half\.json: No space left on device"):
        write_files([(first, "NEW BPMN"), (second, "NEW JSON")])
    assert listing(tmp_path) == {"half.bpmn": b"OLD BPMN", "half.json": b"OLD JSON"}


def test_a_new_pair_that_fails_leaves_neither_file(
        tmp_path: Path, failing_rename: Callable[[Callable[[str], bool]], None]) -> None:
    failing_rename(lambda dst: dst.endswith(".json"))
    with pytest.raises(OutputError):
        write_files([(tmp_path / "sub" / "p.bpmn", "B"), (tmp_path / "sub" / "p.json", "J")])
    assert list(tmp_path.iterdir()) == []


def test_a_device_is_written_in_place_and_never_replaced() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with pytest.raises(OutputError, match=r"^cannot write /dev/full: No space left on device$"):
        write_file("/dev/full", b"x" * 10_000)
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    write_file("/dev/null", b"x")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_a_symbolic_link_is_followed_or_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.svg"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.svg"
    link.symlink_to(real.name)
    write_file(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    write_files([(link, "own")], follow_symlinks=False)
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "own"
    assert real.read_text(encoding="utf-8") == "new"


# --------------------------------------------------------------------------- the commands


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def test_diagram_into_a_folder_is_an_error_not_a_traceback(
        in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (in_tmp / "ro").mkdir()
    code, _, err = run(["diagram", AS_IS, "-o", "ro"], capsys, monkeypatch)
    assert (code, err) == (1, "error: cannot write ro: is a folder\n")
    code, _, err = run(["diagram", AS_IS, "--format", "png", "-o", "ro"], capsys, monkeypatch)
    assert (code, err) == (1, "error: cannot write ro: is a folder\n")


def test_diagram_on_a_full_disk_keeps_the_old_file(
        in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        disk_full: Callable[[int], None]) -> None:
    (in_tmp / "tiny").mkdir()
    (in_tmp / "tiny" / "d.svg").write_text("OLD\n", encoding="utf-8")
    disk_full(0)
    code, out, err = run(["diagram", AS_IS, "-o", "tiny/d.svg"], capsys, monkeypatch)
    assert code == 1 and out == ""
    assert err == "error: cannot write tiny/d.svg: No space left on device\n"
    assert listing(in_tmp) == {"tiny/d.svg": b"OLD\n"}


def test_diagram_creates_missing_folders(in_tmp: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["diagram", AS_IS, "-o", "new/dir/d.pdf"], capsys, monkeypatch)
    assert code == 0 and out.startswith("wrote new/dir/d.pdf")
    assert (in_tmp / "new" / "dir" / "d.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("args, message", [
    (["-o", "x.jpg"], "cannot tell the format from x.jpg (suffix .jpg)"),
    (["-o", "x"], "cannot tell the format from x (suffix none)"),
    (["-o", "x.png", "--format", "svg"], "x.png has the suffix .png but --format is svg"),
])
def test_diagram_format_must_agree_with_the_suffix(
        in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        args: list[str], message: str) -> None:
    code, _, err = run(["diagram", AS_IS, *args], capsys, monkeypatch)
    assert code == 2
    assert message in " ".join(line.strip("│ ") for line in err.splitlines())
    assert list(in_tmp.iterdir()) == []


@pytest.mark.parametrize("args, name, magic", [
    (["-o", "x.PNG"], "x.PNG", b"\x89PNG"),
    (["-o", "x.dat", "--format", "pdf"], "x.dat", b"%PDF"),
    (["-o", "x.svg", "--format", "svg"], "x.svg", b"<?xml"),
])
def test_diagram_format_from_the_suffix_or_the_option(
        in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        args: list[str], name: str, magic: bytes) -> None:
    code, _, _ = run(["diagram", AS_IS, *args], capsys, monkeypatch)
    assert code == 0
    assert (in_tmp / name).read_bytes().startswith(magic)


def test_rank_outputs(in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                      disk_full: Callable[[int], None], tmp_path_factory: pytest.TempPathFactory) -> None:
    procedures = make_procedures(tmp_path_factory.mktemp("procedures"), golden=False, broken=False)
    catalog = str(procedures / "catalog.yaml")

    def rank(*args: str) -> tuple[int, str, str]:
        return run(["rank", *args, "--catalog", catalog, "--no-store"], capsys, monkeypatch)

    code, _, err = rank("--format", "xlsx", "-o", "nodir/r.xlsx")
    assert code == 0, err
    assert (in_tmp / "nodir" / "r.xlsx").read_bytes().startswith(b"PK")
    code, _, err = rank("--format", "csv", "-o", "nodir")
    assert code == 1 and err.endswith("error: cannot write nodir: is a folder\n")
    if Path("/dev/full").exists():
        code, _, err = rank("--format", "csv", "-o", "/dev/full")
        assert code == 1 and err.endswith("error: cannot write /dev/full: No space left on device\n")
        assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    (in_tmp / "r.md").write_text("OLD", encoding="utf-8")
    disk_full(0)
    for fmt, name in (("markdown", "r.md"), ("xlsx", "nodir/r.xlsx")):
        before = (in_tmp / name).read_bytes()
        code, _, err = rank("--format", fmt, "-o", name)
        assert code == 1 and err.endswith(f"error: cannot write {name}: No space left on device\n")
        assert (in_tmp / name).read_bytes() == before
    assert sorted(listing(in_tmp)) == ["nodir/r.xlsx", "r.md"]


def test_bpmn_export_and_import_fail_cleanly(in_tmp: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch,
                                             disk_full: Callable[[int], None]) -> None:
    code, _, err = run(["bpmn", "export", TO_BE, "-o", "nodir/a.bpmn"], capsys, monkeypatch)
    assert code == 0, err
    code, _, err = run(["bpmn", "import", "nodir/a.bpmn", "-o", "."], capsys, monkeypatch)
    assert (code, err) == (1, "error: cannot write .: is a folder\n")
    code, _, err = run(["bpmn", "import", "nodir/a.bpmn", "-o", "other/x.yaml"], capsys, monkeypatch)
    assert code == 0 and (in_tmp / "other" / "x.yaml").is_file()
    (in_tmp / "x.bpmn").write_text("OLD", encoding="utf-8")
    disk_full(0)
    code, _, err = run(["bpmn", "export", AS_IS, "-o", "x.bpmn"], capsys, monkeypatch)
    assert (code, err) == (1, "error: cannot write x.bpmn: No space left on device\n")
    assert (in_tmp / "x.bpmn").read_text(encoding="utf-8") == "OLD"
    code, _, err = run(["bpmn", "import", "nodir/a.bpmn", "-o", "other/x.yaml"], capsys, monkeypatch)
    assert code == 1 and "cannot write other/x.yaml: No space left on device" in err
    assert sorted(listing(in_tmp)) == ["nodir/a.bpmn", "other/x.yaml", "x.bpmn"]


def test_prosimos_export_writes_both_files_or_neither(
        in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        failing_rename: Callable[[Callable[[str], bool]], None]) -> None:
    (in_tmp / "half.bpmn").write_text("OLD BPMN", encoding="utf-8")
    (in_tmp / "half.json").write_text("OLD JSON", encoding="utf-8")
    failing_rename(lambda dst: dst.endswith("half.json"))
    code, _, err = run(["prosimos", "export", TO_BE, "-o", "half"], capsys, monkeypatch)
    assert code == 1 and err.endswith("error: cannot write half.json: Operation not permitted\n")
    assert listing(in_tmp) == {"half.bpmn": b"OLD BPMN", "half.json": b"OLD JSON"}
    code, _, err = run(["prosimos", "export", TO_BE, "-o", "."], capsys, monkeypatch)
    assert code == 1 and "error: cannot write .: is a folder" in err
