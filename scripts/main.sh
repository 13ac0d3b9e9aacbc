#!/usr/bin/env bash
# The main job on the built-in catalog with the embedded defaults (SQLite store in
# .tetsuzuki/, Prefect's local mode): set up, validate the catalog, simulate it and analyse
# it with the two Prefect flows, write the auditors' report to report/ (with report.pdf) and verify it,
# then rank the procedures for onlining and print the planner's answer at 60% online.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
tetsuzuki validate procedures/
tetsuzuki catalog
tetsuzuki run all --report report/
tetsuzuki report report/ --pdf   # the same report, with report.pdf printed by headless Chromium
tetsuzuki verify report/
tetsuzuki runs --limit 5
tetsuzuki rank
tetsuzuki plan --online-share 0.6
echo "main job done: open report/index.html; results are in .tetsuzuki/tetsuzuki.db (tetsuzuki runs)"
