#!/bin/sh
# Builds ts-nspawn and ts-runc as standalone executables (`npm run
# standalone`) that need neither Node.js nor npm where they run: Bun's
# --compile puts the Bun runtime and the bundled, precompiled code into one
# file. Output: dist/standalone/ in the prefix layout the binaries look for
# their own files in (src/host/own-files.ts), to be installed under
# /usr/local or unpacked anywhere as a whole:
#   bin/ts-nspawn  bin/ts-runc
#   libexec/ts-nspawn/ts-nspawn-executor
#   share/ts-nspawn/run-host/container-manager
#   share/doc/ts-nspawn/README  share/doc/ts-nspawn/COPYING
# With --tarball also dist/ts-nspawn-VERSION-linux-ARCH.tar.gz of it
# (`npm run release`). Needs what `npm ci` needs (Node.js, a C compiler,
# libseccomp-dev) and a Bun that runs here.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tarball=false
case ${1-} in
  --tarball) tarball=true ;;
  '') ;;
  *) echo "usage: sh scripts/build-standalone.sh [--tarball]" >&2; exit 2 ;;
esac

bun=
[ -r "$root/build/bun-path" ] && read -r bun < "$root/build/bun-path"
if [ -z "$bun" ] || [ ! -x "$bun" ]; then
  echo "build-standalone: no Bun that runs on this machine (build/bun-path is empty): run 'npm ci' on a machine where the npm package bun runs" >&2
  exit 1
fi

out=$root/dist/standalone
mkdir -p "$out/bin" "$out/libexec/ts-nspawn" "$out/share/ts-nspawn/run-host" "$out/share/doc/ts-nspawn"

# The executor, statically linked (executor/Makefile): it needs nothing of
# the target's libraries. Its own object directory keeps the npm build's
# build/ts-nspawn-executor as it is.
make -s -C "$root/executor" BUILD="$root/build/standalone"
install -m 0755 "$root/build/standalone/ts-nspawn-executor" "$out/libexec/ts-nspawn/"

# Compiled like scripts/compile-cli.sh (see why there), one binary per CLI
# so that each can be installed on its own name. TS_NSPAWN_LAYOUT makes
# the code look for its files in the prefix layout beside the binary. No .env or bunfig.toml is read
# from the working directory at run time: a runtime run as root must not
# take settings, let alone preloaded code, from wherever it is started.
# A binary newer than the sources, this script and the Bun choice is kept:
# writing 110 MB takes seconds.
for cli in ts-nspawn:cli ts-runc:runc; do
  binary=$out/bin/${cli%%:*}
  if [ -x "$binary" ] && [ -z "$(find "$root/src" "$root/scripts/build-standalone.sh" "$root/build/bun-path" -newer "$binary" -print -quit)" ]; then
    continue
  fi
  "$bun" build "$root/src/${cli#*:}/main.ts" --compile --format=esm --splitting --bytecode --minify-syntax --minify-whitespace \
    --define TS_NSPAWN_LAYOUT='"prefix"' --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
    --outfile "$binary" >/dev/null
done

install -m 0644 "$root/share/run-host/container-manager" "$out/share/ts-nspawn/run-host/"
version=$("$out/bin/ts-nspawn" --version)
version=${version#ts-nspawn }
arch=$(uname -m)
cat > "$out/share/doc/ts-nspawn/README" <<EOF
ts-nspawn $version, standalone executables for Linux $arch

bin/ts-nspawn   the ts-nspawn command
bin/ts-runc     the runc-compatible OCI runtime for container engines
libexec/ts-nspawn/ts-nspawn-executor   the C executor both run
share/ts-nspawn/run-host/              shown to containers at /run/host

They need Linux 5.12 or newer and glibc, nothing else: no Node.js, npm or
Bun (each binary carries the Bun runtime it was built with). Each finds the
others through its own real path, so keep the layout: install it as it is
under a prefix, for example as root:

  install -D -m 0755 -t /usr/local/bin bin/ts-nspawn bin/ts-runc
  install -D -m 0755 -t /usr/local/libexec/ts-nspawn libexec/ts-nspawn/ts-nspawn-executor
  install -D -m 0644 -t /usr/local/share/ts-nspawn/run-host share/ts-nspawn/run-host/container-manager

or use it where it was unpacked (bin/ts-nspawn --help). The documentation is
the project's README.md (section "Standalone binaries"); it is built from
the same sources with 'npm ci && npm run standalone'.

Licence: GPL-3.0-or-later (COPYING). The binaries contain the Bun runtime
(MIT, with parts under their own licences) and the executor contains the GNU
C library and libseccomp (both LGPL-2.1), linked statically; their sources
are those of the distribution the binaries were built on.
EOF
# Debian and Ubuntu, which the build already needs, ship the licence text.
install -m 0644 /usr/share/common-licenses/GPL-3 "$out/share/doc/ts-nspawn/COPYING"

if $tarball; then
  name=ts-nspawn-$version-linux-$arch
  rm -f "$root/dist/$name.tar.gz"
  tar -C "$out" --transform "s,^\.,$name," --owner=0 --group=0 --numeric-owner --sort=name \
    -czf "$root/dist/$name.tar.gz" .
  echo "dist/$name.tar.gz"
fi
