#!/usr/bin/env bash
# Sets up everything tetsuzuki needs on a fresh Debian machine, idempotently:
# system packages (apt-get, as root), a virtual environment in .venv, the project install.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: the Graphviz `dot` binary, a Japanese (CJK) font, and Chromium (the
# headless browser the report tests open the auditors' report in).
APT_PACKAGES=(graphviz fonts-ipafont-gothic chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python: a virtual environment with the project and its dev tools.
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.tetsuzuki-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import bpr, models, flows, procedures" # fails loudly if the install failed
  touch "$stamp"
fi

# The simulation kernel is compiled by numba on first use and cached on disk
# (NUMBA_CACHE_DIR, default ~/.cache/tetsuzuki/numba): compile it once here, so that no run
# or test (nor several worker processes at once) waits for it. Cached: about a second.
.venv/bin/python -m bpr.sim.warm
