# shellcheck shell=bash
# Sourced by scripts/k8s/build.sh: sets GO to a Go toolchain new enough for the wrapper modules.
# The machine's go (GO, else the one on PATH) is used when its version is at least the newest
# `go` line of scripts/k8s/*/go.mod; otherwise the pinned release is fetched from the Go module
# proxy, which serves every Go release as module golang.org/toolchain (what GOTOOLCHAIN=auto
# downloads), into ${XDG_CACHE_HOME:-~/.cache}/ack-npd/go-<version>-linux-<arch>/. Needs only
# curl and python3 (to unzip), so it works with no Go installed at all.

GO_BOOTSTRAP_VERSION=1.26.8
# sha256 of the proxy's module zips, checked before anything is unpacked.
declare -A GO_BOOTSTRAP_SHA256=(
  [linux-amd64]=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7
  [linux-arm64]=02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99
)

go_log() { printf '[go] %s\n' "$*" >&2; }

# go_required: the highest `go 1.x.y` directive of the wrapper modules.
go_required() {
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../k8s" && pwd)"
  sed -n 's/^go \([0-9][0-9.]*\)$/\1/p' "$here"/*/go.mod | sort -V | tail -n 1
}

# go_version_of GO: "1.26.8" for that binary, empty when it does not run.
go_version_of() {
  "$1" env GOVERSION 2>/dev/null | sed -n 's/^go\([0-9][0-9.]*\).*/\1/p'
}

# version_at_least HAVE WANT
version_at_least() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

go_proxy_url() {
  local proxies="${GOPROXY:-}" p
  if [ -z "$proxies" ] && [ -n "${GO:-}" ] && [ -x "${GO:-}" ]; then proxies="$("$GO" env GOPROXY 2>/dev/null || true)"; fi
  [ -n "$proxies" ] || proxies="https://proxy.golang.org,direct"
  # GOPROXY is a list separated by , or |; take the first real proxy.
  for p in ${proxies//[,|]/ }; do
    case "$p" in direct | off) ;; *) echo "${p%/}"; return 0 ;; esac
  done
  go_log "GOPROXY=$proxies names no proxy to fetch the Go toolchain from"
  return 1
}

go_fetch_toolchain() {
  local version="$1" platform="$2" dest="$3" proxy tmp sum want
  proxy="$(go_proxy_url)" || return 1
  want="${GO_BOOTSTRAP_SHA256[$platform]:-}"
  tmp="$(mktemp -d "$(dirname "$dest")/.tmp-go.XXXXXX")"
  local url="$proxy/golang.org/toolchain/@v/v0.0.1-go$version.$platform.zip"
  go_log "fetching Go $version ($platform) from $url"
  if ! curl -fsSL --retry 3 -o "$tmp/go.zip" "$url"; then
    rm -rf "$tmp"; go_log "download failed: $url"; return 1
  fi
  sum="$(sha256sum "$tmp/go.zip" | cut -d' ' -f1)"
  if [ "$version" = "$GO_BOOTSTRAP_VERSION" ] && [ "$sum" != "$want" ]; then
    rm -rf "$tmp"; go_log "sha256 of $url is $sum, expected $want"; return 1
  fi
  python3 -m zipfile -e "$tmp/go.zip" "$tmp/x" || { rm -rf "$tmp"; go_log "could not unzip $url"; return 1; }
  mv "$tmp/x/golang.org/toolchain@v0.0.1-go$version.$platform" "$tmp/go"
  # Module zips keep no file modes (cmd/go restores them the same way after a toolchain switch).
  chmod -R a+rX "$tmp/go"
  chmod a+x "$tmp/go/bin/"* "$tmp/go/pkg/tool/"*/*
  rm -rf "$dest"
  mv -T "$tmp/go" "$dest"
  rm -rf "$tmp"
}

# ensure_go: exports GO (and GOTOOLCHAIN=local so it never switches itself).
ensure_go() {
  local need candidate have
  need="$(go_required)"
  for candidate in "${GO:-}" "$(command -v go || true)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    have="$(GOTOOLCHAIN=local go_version_of "$candidate")"
    if [ -n "$have" ] && version_at_least "$have" "$need"; then
      export GO="$candidate" GOTOOLCHAIN=local
      return 0
    fi
    go_log "$candidate is Go ${have:-?}; the wrapper modules need $need"
  done
  local arch platform cache dir
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) go_log "unsupported CPU architecture $(uname -m)"; return 1 ;;
  esac
  platform="linux-$arch"
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/ack-npd"
  dir="$cache/go-$GO_BOOTSTRAP_VERSION-$platform"
  mkdir -p "$cache"
  if [ ! -x "$dir/bin/go" ]; then
    (
      flock 8
      [ -x "$dir/bin/go" ] || go_fetch_toolchain "$GO_BOOTSTRAP_VERSION" "$platform" "$dir"
    ) 8>"$cache/.go-$GO_BOOTSTRAP_VERSION-$platform.lock" || return 1
  fi
  export GO="$dir/bin/go" GOTOOLCHAIN=local
}
