#!/usr/bin/env bash
# Creates .venv (or refreshes it when pyproject.toml changed) with followup and its dev tools.
# Sourced by scripts/demo and scripts/test; needs only python3 (>= 3.11) on the machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "followup needs Python 3.11 or newer as '$python' (set PYTHON=/path/to/python3.11)." >&2
    exit 2
fi
stamp="$venv/.followup-installed"
want=$(cat "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
    echo "Creating the virtual environment in .venv ..." >&2
    "$python" -m venv "$venv"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing followup and its dependencies into .venv ..." >&2
    log="$venv/install.log"
    if ! "$venv/bin/python" -m pip install -e "$root[dev]" > "$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "Installing the dependencies failed; the whole log is in $log." >&2
        exit 1
    fi
    echo "$want" > "$stamp"
fi
