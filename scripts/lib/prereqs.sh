# shellcheck shell=bash
# Sourced by scripts/test: checks, up front, the machine tools the tests need beyond Node
# (bootstrapped by toolchain.sh), Go (scripts/lib/go.sh) and kubectl (scripts/k8s/build.sh).
# As root with apt-get they are installed (under the project's dpkg lock, only what `dpkg -s`
# says is missing); otherwise one message names every Debian package to install, exit 2.

# "test command|Debian package|what needs it"
test_prereqs=(
  "command -v curl|curl|the Go toolchain download"
  "test -e /etc/ssl/certs/ca-certificates.crt|ca-certificates|HTTPS to the npm registry and Go module proxy"
  "command -v flock|util-linux|cache locks"
  "command -v unshare|util-linux|the PID 1 reaping test"
  "command -v openssl|openssl|the test kit's certificates"
  "command -v python3|python3|the Python SDK cross-checks and unzipping the Go toolchain"
  "python3 -c 'import ensurepip, venv'|python3-venv|the Python SDK cross-checks (a venv)"
  "command -v tini|tini|the PID 1 reaping test (the images' init)"
  "test -x /usr/bin/chromium|chromium|the event center's browser tests (Debian's Chromium driven by playwright-core)"
  "command -v journalctl|systemd|reading journal files (restart counters, journald monitors)"
  "test -x /lib/systemd/systemd-journal-remote|systemd-journal-remote|writing real journal files for the tests"
)

# missing_prereq_packages: the Debian packages whose test fails, deduplicated, space-separated.
missing_prereq_packages() {
  local entry check pkg out=()
  for entry in "${test_prereqs[@]}"; do
    IFS='|' read -r check pkg _ <<<"$entry"
    if ! bash -c "$check" >/dev/null 2>&1 && [[ " ${out[*]} " != *" $pkg "* ]]; then out+=("$pkg"); fi
  done
  echo "${out[*]}"
}

ensure_test_prereqs() {
  local missing
  missing="$(missing_prereq_packages)"
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    local pkg install=()
    for pkg in $missing; do dpkg -s "$pkg" >/dev/null 2>&1 || install+=("$pkg"); done
    if [ ${#install[@]} -gt 0 ]; then
      printf '[prereqs] installing Debian packages: %s\n' "${install[*]}" >&2
      flock /var/lib/dpkg/ack-npd-apt.lock bash -c '
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 ||
          { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$@" >/dev/null; }' _ "${install[@]}" ||
        printf '[prereqs] apt-get install %s failed\n' "${install[*]}" >&2
    fi
    missing="$(missing_prereq_packages)"
    [ -z "$missing" ] && return 0
  fi
  local entry check pkg why needs=()
  for entry in "${test_prereqs[@]}"; do
    IFS='|' read -r check pkg why <<<"$entry"
    bash -c "$check" >/dev/null 2>&1 || needs+=("  $pkg: $why")
  done
  {
    echo "scripts/test needs Debian packages that are missing on this machine:"
    printf '%s\n' "${needs[@]}"
    echo "Install them with:  sudo apt-get install -y $missing"
  } >&2
  exit 2
}
