# shellcheck shell=bash
# Sourced by every project script: puts Node 24 and the pinned pnpm on PATH.
# The machine's own node is used when it is new enough; otherwise Node is fetched
# from the npm registry (package node-linux-<arch>) into a user cache. Nothing is
# downloaded from anywhere but the npm registry.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/ack-npd"
node_version="$(tr -d '[:space:]' <"$repo_root/.node-version")"
node_major="${node_version%%.*}"
pnpm_version="$(sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' "$repo_root/package.json")"

log() { printf '[toolchain] %s\n' "$*" >&2; }

node_arch() {
  case "$(uname -m)" in
    x86_64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) log "unsupported CPU architecture $(uname -m)"; return 1 ;;
  esac
}

# fetch_npm_package NAME@VERSION DEST: unpacks the registry tarball into DEST/package.
# Uses the machine's npm (which honours .npmrc mirrors and checks integrity) when present.
fetch_npm_package() {
  local spec="$1" dest="$2" tmp
  tmp="$(mktemp -d "$cache_root/.fetch.XXXXXX")"
  if command -v npm >/dev/null 2>&1; then
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>"$tmp/npm.log") || {
      cat "$tmp/npm.log" >&2; rm -rf "$tmp"; log "npm pack $spec failed"; return 1; }
  else
    local name="${spec%@*}" version="${spec##*@}"
    local registry="${npm_config_registry:-https://registry.npmjs.org}"
    curl -fsSL "${registry%/}/$name/-/${name##*/}-$version.tgz" -o "$tmp/pkg.tgz" || {
      rm -rf "$tmp"; log "download of $spec from $registry failed"; return 1; }
  fi
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  mv "$tmp" "$dest"
}

ensure_node() {
  if command -v node >/dev/null 2>&1; then
    local have
    have="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
    if [ "$have" -ge "$node_major" ]; then return 0; fi
  fi
  local arch dir
  arch="$(node_arch)"
  dir="$cache_root/node-$node_version-linux-$arch"
  if [ ! -x "$dir/package/bin/node" ]; then
    log "machine node is missing or older than $node_major; fetching node-linux-$arch@$node_version from the npm registry"
    mkdir -p "$cache_root"
    fetch_npm_package "node-linux-$arch@$node_version" "$dir"
  fi
  export PATH="$dir/package/bin:$PATH"
}

ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$pnpm_version" ]; then
    return 0
  fi
  local dir="$cache_root/pnpm-$pnpm_version"
  if [ ! -f "$dir/package/bin/pnpm.cjs" ]; then
    log "fetching pnpm@$pnpm_version from the npm registry"
    mkdir -p "$cache_root"
    fetch_npm_package "pnpm@$pnpm_version" "$dir"
  fi
  mkdir -p "$dir/bin"
  cat >"$dir/bin/pnpm" <<SH
#!/bin/sh
exec node "$dir/package/bin/pnpm.cjs" "\$@"
SH
  chmod +x "$dir/bin/pnpm"
  export PATH="$dir/bin:$PATH"
}

ensure_node
ensure_pnpm
export COREPACK_ENABLE_STRICT=0
