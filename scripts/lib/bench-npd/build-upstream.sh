#!/usr/bin/env bash
# Builds upstream node-problem-detector (Go) from the Go module proxy, as the benchmark's peer:
#   DIR=$(scripts/lib/bench-npd/build-upstream.sh)   # prints ONLY the directory; logs go to stderr
# Output: ${XDG_CACHE_HOME:-$HOME/.cache}/ack-npd/npd-upstream-<v>/{bin/node-problem-detector,config/,.complete}
# The module zip carries only vendor/modules.txt, so vendor/ is deleted and the build resolves
# modules itself (-mod=mod); the checksum database does not answer for this module here (GOSUMDB=off).
# No cgo and no journald build tag: kmsg and custom plug-ins are what the benchmark runs.
# Built in a temp dir under flock and renamed into place; a present .complete stamp means done.
set -euo pipefail
VERSION=${NPD_UPSTREAM_VERSION:-v0.8.20}
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/ack-npd"
DEST="$CACHE_ROOT/npd-upstream-$VERSION"
if [[ -f $DEST/.complete ]]; then echo "$DEST"; exit 0; fi
exec 3>&1 1>&2
log() { printf '[npd-upstream %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[[ -x $GO ]] || { log "go not found (set GO=/path/to/go)"; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOSUMDB=off GOFLAGS="-mod=mod -buildvcs=false"
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.npd-upstream-$VERSION.lock"
flock 9
if [[ -f $DEST/.complete ]]; then echo "$DEST" >&3; exit 0; fi
rm -rf "$CACHE_ROOT/.tmp-npd-upstream-$VERSION."*
TMP=$(mktemp -d "$CACHE_ROOT/.tmp-npd-upstream-$VERSION.XXXXXX")
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
log "downloading k8s.io/node-problem-detector@$VERSION from the Go module proxy"
src=$(cd "$TMP" && "$GO" mod download -json "k8s.io/node-problem-detector@$VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
[[ -d $src ]] || { log "download failed"; exit 1; }
cp -r "$src" "$TMP/src"
chmod -R u+w "$TMP/src"
rm -rf "$TMP/src/vendor"
log "building (CGO_ENABLED=0, -mod=mod, no journald tag)"
mkdir -p "$TMP/out/bin"
(cd "$TMP/src" && "$GO" build -trimpath -ldflags "-s -w -X k8s.io/node-problem-detector/pkg/version.version=$VERSION" \
  -o "$TMP/out/bin/node-problem-detector" ./cmd/nodeproblemdetector)
cp -r "$TMP/src/config" "$TMP/out/config"
chmod -R u+w "$TMP/out"
touch "$TMP/out/.complete"
rm -rf "$DEST"
mv "$TMP/out" "$DEST"
log "built $DEST"
echo "$DEST" >&3
