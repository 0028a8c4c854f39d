/**
 * Look-ups of paths inside a container tree from the host, resolving
 * symlinks as the container will see them (an absolute link target is
 * relative to the container root, `..` never leaves it). Used for checks
 * and for reading files such as /etc/passwd before the container starts.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const MAX_LINKS = 40;

/** The host path of `path` inside `root`, or undefined if it does not exist. */
export function resolveInRoot(root: string, path: string): string | undefined {
  const pending = path.split('/').filter(Boolean);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const hostPath = join(root, ...resolved, part);
    let stat;
    try {
      stat = lstatSync(hostPath);
    } catch {
      return undefined;
    }
    if (stat.isSymbolicLink()) {
      if (++links > MAX_LINKS) return undefined;
      const target = readlinkSync(hostPath);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    resolved.push(part);
  }
  return join(root, ...resolved);
}
