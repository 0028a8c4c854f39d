#!/bin/sh
# Bundles the CLI into one file, dist/cli/ts-nspawn.js, with the Bun that
# scripts/find-bun.sh found: loading one file instead of a module graph
# halves the CLI's start-up time. Without a working Bun the launcher runs
# the unbundled dist/cli/main.js on Node.js instead.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bun=
[ -r "$root/build/bun-path" ] && read -r bun < "$root/build/bun-path"
if [ -z "$bun" ]; then
  rm -f "$root/dist/cli/ts-nspawn.js"
  exit 0
fi
# --target=node keeps the bundle runnable by Node.js too.
"$bun" build "$root/src/cli/main.ts" --target=node --minify-syntax --minify-whitespace \
  --outfile="$root/dist/cli/ts-nspawn.js" >/dev/null
