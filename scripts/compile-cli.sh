#!/bin/sh
# Compiles both CLIs, with the Bun that scripts/find-bun.sh found, into one
# executable, build/cli/ts-nspawn (build/cli/ts-runc is a symlink to it),
# which bin/ts-nspawn and bin/ts-runc run. Compiled (bun build --compile),
# the code is precompiled bytecode in ES module chunks, and a verb's
# modules (await import) are read only when it runs: a container starts
# ~25 ms sooner than from a script bundle on Bun, whose whole bytecode
# loads at start. It is built from dist/ (tsc's output), which an installed
# package has too, so npm's install script can run it; without dist/ yet
# (a checkout's install, before prepare) it does nothing. Without a working
# Bun the launchers run dist/ on Node.js instead.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bun=
[ -r "$root/build/bun-path" ] && read -r bun < "$root/build/bun-path"
out=$root/build/cli
rm -rf "$out"
[ -n "$bun" ] && [ -r "$root/dist/compiled-main.js" ] || exit 0
mkdir -p "$out"
# No .env or bunfig.toml is read from the working directory at run time: a
# runtime run as root must not take settings, let alone preloaded code,
# from wherever it is started. TS_NSPAWN_LAYOUT tells the code where its
# other files are (src/host/own-files.ts).
"$bun" build "$root/dist/compiled-main.js" --compile --format=esm --splitting --bytecode --minify-syntax --minify-whitespace \
  --define TS_NSPAWN_LAYOUT='"package"' --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
  --outfile "$out/ts-nspawn" >/dev/null
ln -s ts-nspawn "$out/ts-runc"
