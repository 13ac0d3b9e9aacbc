#!/usr/bin/env bash
# The test job: set up, then lint (ruff), type-check (mypy) and run the tests and the
# Gherkin features (pytest + pytest-bdd). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
# The store tests also run against PostgreSQL (Debian's package, started locally).
if [ -z "${TETSUZUKI_TEST_POSTGRES_URL:-}" ]; then
  if url=$(bash scripts/postgres.sh); then
    export TETSUZUKI_TEST_POSTGRES_URL="$url"
  else
    echo "test: PostgreSQL could not be started; the PostgreSQL store tests will skip"
  fi
fi
echo "== ruff"; ruff check .
echo "== mypy"; mypy
# Two worker processes (pytest-xdist): tests that share an expensive session fixture (the
# Prefect server, Chromium, the small catalog's report) and each module's tests stay on one
# worker, groups with slow tests first (tests/conftest.py). Measured: see the README.
echo "== pytest"; pytest -n 2 --dist loadgroup --no-loadscope-reorder "$@"
