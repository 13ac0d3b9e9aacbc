# Environment shared by the main job and the tests (sourced, not run).
export PREFECT_SERVER_ANALYTICS_ENABLED=false
# Prefect keeps its own database here (the project's results live in .tetsuzuki/tetsuzuki.db).
export PREFECT_HOME="${PREFECT_HOME:-$PWD/.tetsuzuki/prefect}"
mkdir -p "$PREFECT_HOME"
export PATH="$PWD/.venv/bin:$PATH"
