# Environment shared by the main job and the tests (sourced, not run).
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_HOME="${PREFECT_HOME:-$PWD/.tetsuzuki/prefect}"
export PATH="$PWD/.venv/bin:$PATH"
