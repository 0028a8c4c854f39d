/**
 * Whether this host lets us make a user namespace. The kernel refuses one
 * to a process in a chroot (clone(2): EPERM), and a host may disable them
 * (user.max_user_namespaces = 0, an outer seccomp filter). No file tells
 * all of these apart, so the check is the attempt itself, by util-linux's
 * `unshare`, once per process and only where a user namespace is wanted.
 */
let cached: { refused?: string } | undefined;

/** Why a user namespace cannot be made here, or undefined when it can. */
export function userNamespaceRefusal(): string | undefined {
  if (!cached) {
    // Loaded on use: under Bun node:child_process costs milliseconds of every start.
    const { spawnSync } = process.getBuiltinModule('node:child_process');
    const probe = spawnSync('unshare', ['--user', 'true'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    // Without the tool, the executor's clone tells (in its own words).
    const refused = probe.error || probe.status === 0 ? undefined : probe.stderr.trim().split('\n')[0] || `unshare exited with ${probe.status}`;
    cached = { refused };
  }
  return cached.refused;
}
