#!/bin/sh
# Run at install time: records in build/bun-path the Bun binary that the
# CLI launcher should use, if one is installed and actually runs on this
# machine (the npm package "bun" ships a prebuilt binary that needs a
# recent x86-64 or arm64 CPU). An empty file means: use Node.js.
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/build"
for candidate in "$root/node_modules/.bin/bun" "$root/../.bin/bun" "$(command -v bun 2>/dev/null)"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  path=$(readlink -f -- "$candidate")
  if "$path" -e 'process.exit(0)' >/dev/null 2>&1; then
    echo "$path" > "$root/build/bun-path"
    exit 0
  fi
done
: > "$root/build/bun-path"
