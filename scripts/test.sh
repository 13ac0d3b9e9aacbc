#!/usr/bin/env bash
# The test job: set up, then lint (ruff), type-check (mypy) and run the tests and the
# Gherkin features (pytest + pytest-bdd). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
echo "== ruff"; ruff check .
echo "== mypy"; mypy
echo "== pytest"; pytest "$@"
