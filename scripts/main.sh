#!/usr/bin/env bash
# The main job on the built-in catalog with the embedded defaults (SQLite store in
# .tetsuzuki/, one local Prefect server for the job): set up, validate the catalog, simulate it and analyse
# it with the two Prefect flows, write the auditors' report to report/ with the whole report
# as one PDF (report.pdf, printed by headless Chromium) and verify both (`report --verify`:
# the verification's derivation runs while Chromium prints); meanwhile list the
# last runs, rank the procedures for onlining and work out the planner's answer at 60%
# online, printed after the report.
set -euo pipefail
cd "$(dirname "$0")/.."
# One Prefect server for the whole job (unless PREFECT_API_URL names one already), started
# first: it boots (about 10 s) while the set-up is checked and the catalog validated and
# printed; `run all` waits until it answers. It is stopped when the job ends, however it
# ends. When the project is installed and set-up will not reinstall it (its stamp is newer
# than pyproject.toml), the server starts before the set-up check, else right after it.
start_server() {
  if [ -z "${PREFECT_API_URL:-}" ]; then
    source scripts/env.sh
    port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    setsid prefect server start --host 127.0.0.1 --port "$port" --no-ui --analytics-off \
      > "$PREFECT_HOME/server.log" 2>&1 &
    server=$!
    trap 'kill -TERM -- "-$server" 2>/dev/null || true' EXIT
    export PREFECT_API_URL="http://127.0.0.1:$port/api"
  fi
}
stamp=.venv/.tetsuzuki-installed
if [ -x .venv/bin/prefect ] && [ -f "$stamp" ] && [ ! pyproject.toml -nt "$stamp" ]; then
  start_server
fi
bash scripts/setup.sh
source scripts/env.sh
start_server
report="${TETSUZUKI_REPORT_DIR:-report}"
# Each step's wall time goes to $TETSUZUKI_STEP_TIMES when set (benchmarks/main_job.py).
step() {
  local t0=$EPOCHREALTIME rc=0
  "$@" || rc=$?
  [ -z "${TETSUZUKI_STEP_TIMES:-}" ] || echo "$EPOCHREALTIME $t0 $*" >> "$TETSUZUKI_STEP_TIMES"
  return "$rc"
}
step tetsuzuki validate procedures/
step tetsuzuki catalog
step tetsuzuki run all
# The planner's answers read the store only, so they run beside the report, on whatever CPU
# the report leaves (its build, Chromium's print, the verification's derivation); their
# output is printed after the report's, in this order. A failure of either side fails the job.
planner_out=$(mktemp)
trap 'rm -f "$planner_out"; [ -z "${server:-}" ] || kill -TERM -- "-$server" 2>/dev/null || true' EXIT
( step tetsuzuki runs --limit 5 && step tetsuzuki rank && step tetsuzuki plan --online-share 0.6 ) \
  > "$planner_out" 2>&1 &
planner=$!
# The report of the runs just stored (the newest completed simulation run), with report.pdf,
# then verified as `tetsuzuki verify "$report"` does (the report derived again from the
# sources and the stored run, every byte compared), the derivation running while Chromium
# prints.
failed() { local rc=$1; wait "$planner" || true; cat "$planner_out"; exit "$rc"; }
step tetsuzuki report "$report" --pdf --verify || failed $?
planned=0
wait "$planner" || planned=$?
cat "$planner_out"
[ "$planned" -eq 0 ] || { echo "main job: the planner's steps failed (exit $planned)" >&2; exit "$planned"; }
echo "main job done: open $report/index.html; results are in .tetsuzuki/tetsuzuki.db (tetsuzuki runs)"
