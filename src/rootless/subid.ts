/**
 * /etc/subuid and /etc/subgid: the ranges of host IDs a user may map into
 * a user namespace (through the setuid helpers newuidmap and newgidmap,
 * which check these same files). A line is NAME-or-UID:START:COUNT.
 */
import { readFileSync } from 'node:fs';
import type { RootlessUser } from './mode.js';

export interface SubordinateRange {
  start: number;
  count: number;
}

/** The user's first range in the text of a subuid/subgid file, or undefined. */
export function parseSubordinate(text: string, user: { id: number; name?: string }): SubordinateRange | undefined {
  for (const line of text.split('\n')) {
    const match = /^([^:#\s]+):(\d+):(\d+)\s*$/.exec(line.trim());
    if (!match) continue;
    const [, owner, start, count] = match;
    if (owner !== user.name && owner !== String(user.id)) continue;
    const range = { start: Number(start), count: Number(count) };
    if (Number.isSafeInteger(range.start) && range.count > 0 && range.start + range.count <= 0xffffffff) return range;
  }
  return undefined;
}

function readRange(file: string, user: { id: number; name?: string }): SubordinateRange | undefined {
  try {
    return parseSubordinate(readFileSync(file, 'utf8'), user);
  } catch {
    return undefined;
  }
}

export function subordinateRanges(user: RootlessUser, files = { uid: '/etc/subuid', gid: '/etc/subgid' }): { uid?: SubordinateRange; gid?: SubordinateRange } {
  return {
    uid: readRange(files.uid, { id: user.uid, name: user.name }),
    gid: readRange(files.gid, { id: user.gid, name: user.name }),
  };
}
