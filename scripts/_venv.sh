# Sourced by the other scripts: create .venv if missing and install the locked requirements.
# Usage: ensure_venv base|dev
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_venv() {
  local lock="$ROOT/requirements/$1.lock"
  if [ ! -x "$VENV/bin/python" ]; then
    local python="${SYRES_PYTHON:-python3.11}"
    command -v "$python" >/dev/null 2>&1 || python=python3
    "$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
      || { echo "syres needs Python 3.11" >&2; exit 1; }
    echo "Creating $VENV…"
    "$python" -m venv "$VENV"
  fi
  [ -x "$VENV/bin/uv" ] || "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check uv
  # Installs exactly the lock (fast when nothing changed), then syres itself, editable. The
  # bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on our machines)
  # Python would otherwise compile every imported module from source at each start (1.3 s for
  # `syres rate`, 0.5 s of it Polars; 0.7 s with the bytecode).
  "$VENV/bin/uv" pip sync --quiet --compile-bytecode --python "$VENV/bin/python" "$lock"
  "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps -e "$ROOT"
  "$VENV/bin/python" -m compileall -q "$ROOT/src" >/dev/null || true  # ruff reports errors
}
