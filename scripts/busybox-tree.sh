#!/bin/sh
# busybox-tree.sh DIR [INITTAB]
# Builds a tiny container root at DIR from Debian's busybox-static: the
# static busybox with a symlink per applet, root and an unprivileged
# "tester" account, and a busybox /sbin/init (with INITTAB as
# /etc/inittab when given). Used by the quick start, the tests and the
# benchmark.
set -eu
dir=$1
busybox=$(command -v busybox || true)
# The tree has no libraries, so busybox must be the static build.
if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
  echo "busybox-tree.sh: a static busybox is needed: apt-get install busybox-static" >&2
  exit 1
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp run root home/tester
cp "$busybox" bin/busybox
chmod 755 bin/busybox
for applet in $(bin/busybox --list-full); do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$(dirname "$applet")"
  ln -sf /bin/busybox "$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000:tester:/home/tester:/bin/sh\n' > etc/passwd
printf 'root:x:0:\ntty:x:5:\ntester:x:1000:\n' > etc/group
basename "$dir" > etc/hostname
if [ $# -ge 2 ]; then
  printf '%s' "$2" > etc/inittab
else
  printf '::sysinit:/bin/echo "busybox init: booted"\nconsole::respawn:-/bin/sh\n' > etc/inittab
fi
