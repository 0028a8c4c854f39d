#!/bin/sh
# The quick start: installs what is missing, builds ts-nspawn, makes a tiny
# busybox tree and runs a container in it that shows what it got.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
tree=${1:-/var/lib/ts-nspawn/demo}
[ -x "$tree/bin/busybox" ] || sh scripts/busybox-tree.sh "$tree"
echo "== ts-nspawn run -D $tree ..."
./bin/ts-nspawn run -D "$tree" /bin/sh -c '
  echo "hello from $(hostname), I am PID $$ and I see these processes:"; ps
  echo "my /dev:"; ls /dev
  echo "my network:"; ip -o link show | cut -d: -f2
'
echo "== done: try ./bin/ts-nspawn run -D $tree /bin/sh   (or boot -D $tree)"
