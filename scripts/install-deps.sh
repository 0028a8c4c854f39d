#!/bin/sh
# Installs what ts-nspawn needs on a Debian or Ubuntu machine (run as root):
# a C compiler and libseccomp-dev for the executor, iproute2 and util-linux for networking,
# and, with --tests, what the tests use (busybox-static for the test
# trees, libc6-dev for the static probe, python3 for the PTY driver, runc
# to compare ts-runc with, podman and containerd to drive ts-runc as engines
# do; their recommended extras -- network stacks, buildah -- are not
# needed), passt (pasta) and slirp4netns for user-mode networking; uidmap
# (newuidmap/newgidmap) for rootless containers that map the user's
# /etc/subuid ranges.
# Packages come from the host's own apt sources. Then `npm ci`.
set -eu
cd "$(dirname "$0")/.."

packages="gcc make libc6-dev libseccomp-dev iproute2 util-linux busybox-static mmdebstrap openssl uidmap"
engines=
[ "${1:-}" = --tests ] && packages="$packages python3 runc" && engines="podman containerd passt slirp4netns"

not_installed() {
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || printf ' %s' "$package"
  done
}
missing=$(not_installed $packages)
if ! command -v node >/dev/null 2>&1; then missing="$missing nodejs npm"; fi
missing_engines=$(not_installed $engines)
if [ -n "$missing$missing_engines" ]; then
  echo "install-deps: installing$missing$missing_engines"
  apt-get update -qq
  [ -z "$missing" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  [ -z "$missing_engines" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing_engines >/dev/null
fi

# process.getBuiltinModule arrived in Node.js 20.16.
if ! node -e 'process.exit(typeof process.getBuiltinModule === "function" ? 0 : 1)'; then
  echo "install-deps: Node.js $(node --version) is too old: ts-nspawn needs Node.js 20.16 or newer" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
