#!/usr/bin/env bash
# Creates (idempotently) a Python virtualenv holding the official Alibaba Cloud SDKs that the
# test peers are cross-checked against: the Log Service SDK (aliyun-log-python-sdk) and the
# EventBridge SDK (alibabacloud-eventbridge), from PyPI only (pip's configured index).
# Prints the venv's python path on stdout. Override the location with SLS_SDK_VENV, the
# requirements with SLS_SDK_SPEC (space-separated pip requirement specifiers) and the import
# that proves them installed with SLS_SDK_IMPORT: other peers' official clients (the Riemann
# client) get venvs of their own that way.
set -euo pipefail

VENV="${SLS_SDK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ack-npd/pyenv-sls}"
SDK_SPEC="${SLS_SDK_SPEC:-aliyun-log-python-sdk==0.9.52 lz4 alibabacloud-eventbridge==1.3.8}"
SDK_IMPORT="${SLS_SDK_IMPORT:-import aliyun.log, lz4.block, alibabacloud_eventbridge.client}"
STAMP="$VENV/.installed"

ready() { [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$SDK_SPEC" ]]; }

if ready; then
  echo "$VENV/bin/python"
  exit 0
fi

PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  for candidate in python3 python; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
if [[ -z "$PYTHON" ]]; then
  echo "sls-sdk-venv: no python3 on PATH" >&2
  exit 3
fi

mkdir -p "$(dirname "$VENV")"
# Two test files may ask at once: build the venv only once.
exec 9>"$VENV.lock"
flock 9
if ready; then
  echo "$VENV/bin/python"
  exit 0
fi

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV" >&2
read -r -a requirements <<<"$SDK_SPEC"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}" >&2
"$VENV/bin/python" -c "$SDK_IMPORT" >&2
echo "$SDK_SPEC" >"$STAMP"
echo "$VENV/bin/python"
