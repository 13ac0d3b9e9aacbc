"""Fill README.md's feature sections from docs/readme/*.md (the sections' sources).

Each section of the README between ``<!-- BEGIN docs/readme/X.md -->`` and
``<!-- END docs/readme/X.md -->`` is replaced by the file's text. Run it after editing a
section source; a test checks that README.md is up to date. Usage:
``python scripts/build_readme.py [--check]``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATTERN = re.compile(r"(<!-- BEGIN (docs/readme/[^ ]+\.md) -->\n)(.*?)(<!-- END \2 -->)", re.S)


def build(readme: str) -> str:
    """README text with every marked section filled from its source file."""
    def fill(match: re.Match[str]) -> str:
        text = (ROOT / match.group(2)).read_text(encoding="utf-8").rstrip("\n") + "\n"
        return match.group(1) + text + match.group(4)

    return PATTERN.sub(fill, readme)


def main() -> int:
    path = ROOT / "README.md"
    current = path.read_text(encoding="utf-8")
    wanted = build(current)
    if "--check" in sys.argv:
        if current != wanted:
            print("README.md is out of date: run python scripts/build_readme.py", file=sys.stderr)
            return 1
        return 0
    path.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
