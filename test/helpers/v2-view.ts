/**
 * A cgroup v2 view of the host, for a process started in a private mount
 * namespace (unshare -m): the v1 hierarchies unmounted and the unified one
 * mounted at /sys/fs/cgroup, so that ts-nspawn takes its v2 paths even on
 * a v1/hybrid host. The new cgroup2 mount repeats the host's options: the
 * hierarchy is one, and a mount without nsdelegate or memory_recursiveprot
 * would turn them off for the whole host.
 */
export const V2_VIEW = `
options=$(sed -n 's/.* - cgroup2 [^ ]* \\([^ ]*\\)$/\\1/p' /proc/self/mountinfo | head -n 1)
for d in /sys/fs/cgroup/*; do mountpoint -q "$d" && umount "$d"; done
umount /sys/fs/cgroup
mount -t cgroup2 -o "$options" cgroup2 /sys/fs/cgroup
`;
