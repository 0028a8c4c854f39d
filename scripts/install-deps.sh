#!/bin/sh
# Installs what ts-nspawn needs on a Debian or Ubuntu machine (run as root):
# a C compiler and libseccomp-dev for the executor, iproute2 and util-linux for networking,
# and, with --tests, what the tests use (busybox-static for the test
# trees, libc6-dev for the static probe, python3 for the PTY driver, runc
# to compare ts-runc with); uidmap (newuidmap/newgidmap) for rootless
# containers that map the user's /etc/subuid ranges.
# Packages come from the host's own apt sources. Then `npm ci`.
set -eu
cd "$(dirname "$0")/.."

packages="gcc make libc6-dev libseccomp-dev iproute2 util-linux busybox-static mmdebstrap openssl uidmap"
[ "${1:-}" = --tests ] && packages="$packages python3 runc"

missing=
for package in $packages; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $package"
done
if ! command -v node >/dev/null 2>&1; then missing="$missing nodejs npm"; fi
if [ -n "$missing" ]; then
  echo "install-deps: installing$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

# process.getBuiltinModule arrived in Node.js 20.16.
if ! node -e 'process.exit(typeof process.getBuiltinModule === "function" ? 0 : 1)'; then
  echo "install-deps: Node.js $(node --version) is too old: ts-nspawn needs Node.js 20.16 or newer" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
