#!/bin/sh
# Runs the pnpm version package.json pins, installing it with npm when the build base lacks it
# (the public node image has npm; the offline base made by scripts/images ships that pnpm).
set -eu
want="$(sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' package.json)"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$want" ]; then
  npm install --global --silent "pnpm@$want"
fi
exec pnpm "$@"
