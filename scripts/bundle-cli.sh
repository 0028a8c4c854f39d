#!/bin/sh
# Bundles the CLI with the Bun that scripts/find-bun.sh found, into
# dist/bundle/: an entry (main.js) with the argument parsing, and chunks
# each verb loads on use. Loading a few files instead of a module graph
# halves the CLI's start-up time. Without a working Bun the launcher runs
# the unbundled dist/cli/main.js on Node.js instead.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bun=
[ -r "$root/build/bun-path" ] && read -r bun < "$root/build/bun-path"
rm -rf "$root/dist/bundle"
[ -n "$bun" ] || exit 0
# dist/bundle/ sits two levels below the package root like dist/cli/, so
# paths relative to the modules (build/, share/) hold. --target=node keeps
# the bundle runnable by Node.js too.
"$bun" build "$root/src/cli/main.ts" --target=node --splitting --minify-syntax --minify-whitespace \
  --outdir="$root/dist/bundle" >/dev/null
