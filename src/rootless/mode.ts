/**
 * Rootless mode: ts-nspawn run by an ordinary user. The container gets a
 * user namespace made from the user's subordinate ID ranges, its state
 * lives in the user's runtime directory, and whatever needs host root
 * (a bridge, cgroup limits without delegation, bootstrap) is refused in
 * one line.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { ContainerError } from '../errors.js';

/** Whether this process runs without root: rootless mode. */
export function isRootless(): boolean {
  return (process.geteuid?.() ?? 0) !== 0;
}

export interface RootlessUser {
  uid: number;
  gid: number;
  /** The login name, as /etc/subuid lists it (may be missing for a uid without a passwd entry). */
  name?: string;
}

export function rootlessUser(): RootlessUser {
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  return { uid, gid, name: userName(uid) };
}

/**
 * UID's login name: from /etc/passwd, else the C library's (Bun's
 * userInfo() answers "unknown" when $USER is unset, so it comes second).
 */
function userName(uid: number): string | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id === String(uid)) return name;
    }
  } catch {
    // no passwd file: ask the C library
  }
  try {
    const info = userInfo();
    return info.uid === uid && info.username !== 'unknown' ? info.username : undefined;
  } catch {
    return undefined;
  }
}

/** The one-line refusal of something that needs root. */
export function notRootless(what: string, instead: string): ContainerError {
  return new ContainerError(`${what} does not work rootless: ${instead}`, { code: 'host' });
}
