/**
 * `--private-users-ownership=chown`: the tree's files shifted on disk into
 * the container's range, once. As systemd-nspawn does, the owner of the
 * root directory records which range a tree is in: a tree already at the
 * range is left alone, one at another range is shifted from there.
 */
import { chmodSync, lchownSync, lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { UserRange } from '../state/record.js';
import { RANGE } from '../state/user-ranges.js';

/** The range a tree is in now, by its root's owner (0: not shifted). */
export function treeBase(root: string): number {
  const uid = lstatSync(root).uid;
  return uid - (uid % RANGE);
}

/** Shifts ROOT's owners to RANGE; returns the number of entries changed, or undefined if it was there already. */
export function chownTree(root: string, range: UserRange): number | undefined {
  const from = treeBase(root);
  if (from === range.base) return undefined;
  const rootStat = lstatSync(root);
  const shift = (id: number) => (id >= from && id - from < range.count ? range.base + (id - from) : id);
  let changed = 0;
  const visit = (path: string, stat: Stats) => {
    // Other file systems mounted in the tree are not the tree's.
    if (stat.dev !== rootStat.dev) return;
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name), lstatSync(join(path, name)));
    }
    const uid = shift(stat.uid);
    const gid = shift(stat.gid);
    if (uid === stat.uid && gid === stat.gid) return;
    lchownSync(path, uid, gid);
    // chown(2) clears the setuid and setgid bits (even root's): put them back.
    if (!stat.isSymbolicLink() && (stat.mode & 0o6000) !== 0) chmodSync(path, stat.mode & 0o7777);
    changed++;
  };
  // The root last: it marks the tree as done.
  visit(root, rootStat);
  return changed;
}
