"""Publication is atomic from the reader's side: killed at any phase, the report folder
holds the earlier report or the new one, whole; leftovers of a crash are cleaned by the
next publication; links, pipes and devices are never followed or opened."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bpr.render.publish import read_folder, write_report
from bpr.render.report import MANIFEST, REPORT_FORMAT, ReportError, sha256
from bpr.render.swap import exchange, leftovers, scan
from tests.conftest import ROOT


def _report(pages: dict[str, str]) -> dict[str, bytes]:
    files = {path: text.encode() for path, text in pages.items()}
    manifest = {"format": REPORT_FORMAT, "files": {p: sha256(d) for p, d in files.items()},
                "sources": {}}
    return {**files, MANIFEST: json.dumps(manifest, sort_keys=True).encode()}


OLD = _report({"index.html": "old index", "a.html": "page a", "sub/x.svg": "<svg>old</svg>"})
NEW = _report({"index.html": "new index", "b.html": "page b", "sub/x.svg": "<svg>new</svg>",
               "sub/y.svg": "<svg>y</svg>"})

KILLER = """
import json, os, signal, sys
from pathlib import Path
import bpr.render.swap as swap
from bpr.render.publish import write_report
phase, out, source = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
files = {k: v.encode() for k, v in json.loads(source.read_text()).items()}
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
def nth(real, n):
    calls = [0]
    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == n:
            die()
        return real(*args, **kwargs)
    return wrapped
if phase == "writing-pages":
    swap._write_one = nth(swap._write_one, 2)
elif phase == "writing-manifest":
    swap._write_one = nth(swap._write_one, len(files))
elif phase == "before-swap":
    swap.exchange = die
elif phase == "after-swap":
    real = swap.exchange
    def exchange_then_die(a, b):
        real(a, b)
        die()
    swap.exchange = exchange_then_die
elif phase == "removing-the-old":
    os.unlink = nth(os.unlink, 2)
write_report(out, files)
print("finished")
"""

PHASES = ["writing-pages", "writing-manifest", "before-swap", "after-swap", "removing-the-old"]


@pytest.mark.parametrize("phase", PHASES)
def test_a_kill_at_any_phase_leaves_the_old_report_or_the_new_one(phase: str,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_report(out, OLD)
    source = tmp_path / "new.json"
    source.write_text(json.dumps({k: v.decode() for k, v in NEW.items()}), encoding="utf-8")
    killed = subprocess.run([sys.executable, "-c", KILLER, phase, str(out), str(source)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert read_folder(out) in (OLD, NEW)
    expected = NEW if phase in ("after-swap", "removing-the-old") else OLD
    assert read_folder(out) == expected
    # the next publication cleans what the crash left, and nothing else remains
    write_report(out, NEW)
    assert read_folder(out) == NEW
    assert leftovers(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.json", "report"]


def test_a_named_pipe_in_the_folder_is_refused_not_opened(tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_report(out, OLD)
    (out / "a.html").unlink()
    os.mkfifo(out / "a.html")  # opening it for reading would block for ever
    with pytest.raises(ReportError, match=r"a\.html is a named pipe, not a file"):
        write_report(out, NEW)
    assert scan(out).unsafe == {"a.html": "a named pipe"}


def test_user_files_and_edited_pages_are_kept_old_temporaries_dropped(tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_report(out, OLD)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "a.html").write_text("page a, edited by hand", encoding="utf-8")
    (out / ".index.html.k2j4h5g6.tmp").write_text("left by a crash", encoding="utf-8")
    (tmp_path / ".report.tetsuzuki-new-0123abcd").mkdir()  # a crashed publication's sibling
    left = write_report(out, NEW)
    assert [f.path for f in left] == ["a.html", "notes.txt"]
    present = read_folder(out)
    assert present["notes.txt"] == b"mine" and present["a.html"] == b"page a, edited by hand"
    assert {p: present[p] for p in NEW} == NEW
    assert ".index.html.k2j4h5g6.tmp" not in present
    assert leftovers(out) == []


def test_the_exchange_swaps_two_folders(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "one").write_text("1", encoding="utf-8")
    (second / "two").write_text("2", encoding="utf-8")
    exchange(first, second)
    assert [p.name for p in first.iterdir()] == ["two"]
    assert [p.name for p in second.iterdir()] == ["one"]


def test_a_symbolic_link_as_the_report_folder_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    write_report(real, OLD)
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    with pytest.raises(ReportError, match="is a symbolic link: give the report folder itself"):
        write_report(tmp_path / "link", NEW)
    assert read_folder(real) == OLD
