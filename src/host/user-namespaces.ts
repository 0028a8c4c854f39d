/**
 * Whether this host lets us make a user namespace. The kernel refuses one
 * to a process in a chroot (clone(2): EPERM), and a host may disable them
 * (user.max_user_namespaces = 0, an outer seccomp filter). No file tells
 * all of these apart, so the check is the attempt itself: by util-linux's
 * `unshare` (once per process) where the answer decides what to build (a
 * boot's default), and otherwise the executor's own clone, whose refusal
 * becomes the same one line (userNamespaceRefused).
 */
import { ContainerError } from '../errors.js';

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

/** clone(2)'s errors for a user namespace it will not make: in a chroot (EPERM), disabled (ENOSPC, EUSERS, EINVAL). */
const REFUSED_ERRNOS = new Set([1, 22, 28, 87]);

export function isUserNamespaceRefusal(errno: number): boolean {
  return REFUSED_ERRNOS.has(errno);
}

/** The one line for a user namespace the kernel refuses; `reason` in the kernel's or unshare's words. */
export function userNamespaceRefused(reason: string): ContainerError {
  return new ContainerError(
    `a user namespace (private users, rootless mode) cannot be made here: the kernel refuses it (${reason}); it does in a chroot: run ts-nspawn outside the chroot, or with --private-users=no`,
    { code: 'host' },
  );
}
