#!/usr/bin/env bash
# The main job: set up, then validate and show the built-in catalog.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
tetsuzuki validate procedures/
