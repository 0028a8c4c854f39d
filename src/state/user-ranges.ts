/**
 * The host ID ranges of user namespaces (`--private-users=pick`). A range
 * belongs to the record of the container that holds it (`userRange`),
 * from its claim until it is stopped or removed: a stopped container (rm,
 * gc, or found dead) holds none, and its next start picks again (the tree's
 * own range first). Choosing and recording happen under one lock, so two
 * starts never take the same range.
 */
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerError } from '../errors.js';
import { stateRoot } from './paths.js';
import type { ContainerRecord, UserRange } from './record.js';
import { listNames, readRecord, writeRecord } from './store.js';

/**
 * The pool: systemd-nspawn's, 0x80000 (524288) up to 0x6FFFFFFF, in
 * 65536-aligned ranges of 65536. Below it are the host's own users and
 * /etc/subuid's usual ranges (100000..); above, nspawn keeps 0x70000000+
 * for systemd's dynamic users and the like.
 */
export const POOL_START = 0x80000;
export const POOL_END = 0x70000000;
export const RANGE = 0x10000;

const overlaps = (a: UserRange, b: UserRange) => a.base < b.base + b.count && b.base < a.base + a.count;

/**
 * The first free aligned base: PREFERRED ones first (in the pool and
 * free), then from SEED's slot onwards, wrapping around the pool.
 */
export function chooseRange(taken: readonly UserRange[], preferred: readonly number[], seed: number): number | undefined {
  const free = (base: number) => !taken.some((range) => overlaps(range, { base, count: RANGE }));
  for (const base of preferred) {
    if (base >= POOL_START && base + RANGE <= POOL_END && base % RANGE === 0 && free(base)) return base;
  }
  const slots = (POOL_END - POOL_START) / RANGE;
  const first = ((seed % slots) + slots) % slots;
  for (let i = 0; i < slots; i++) {
    const base = POOL_START + ((first + i) % slots) * RANGE;
    if (free(base)) return base;
  }
  return undefined;
}

/** A small stable hash of the machine name: the same name tends to get the same range back (as nspawn's). */
export function nameSeed(name: string): number {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash;
}

/** The ranges held now by containers other than NAME. */
function rangesInUse(name: string): UserRange[] {
  return listNames()
    .filter((other) => other !== name)
    .flatMap((other) => {
      const record = readRecord(other);
      return record?.userRange && record.status !== 'stopped' ? [record.userRange] : [];
    });
}

const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 10_000;

/** Runs FN holding the state store's range lock (a directory: mkdir is atomic). */
export async function withRangeLock<T>(fn: () => T): Promise<T> {
  const lock = join(stateRoot(), '.user-ranges.lock');
  mkdirSync(stateRoot(), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // A holder killed mid-way leaves the lock behind: it only ever lasts milliseconds.
    try {
      if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmdirSync(lock);
    } catch {
      // gone meanwhile: try again
    }
    if (Date.now() > deadline) throw new ContainerError(`the user-range lock ${lock} stays taken: remove it if no ts-nspawn is starting`, { code: 'host' });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  try {
    return fn();
  } finally {
    rmdirSync(lock);
  }
}

/**
 * Records RANGE (or, with `pick`, a free one, trying PREFERRED first) as
 * the record's, and writes the record -- all under the lock. Returns it.
 */
export async function claimUserRange(record: ContainerRecord, request: { pick: true; preferred: number[] } | { pick: false; range: UserRange }): Promise<UserRange> {
  return withRangeLock(() => {
    let range: UserRange;
    if (request.pick) {
      const base = chooseRange(rangesInUse(record.id), request.preferred, nameSeed(record.id));
      if (base === undefined) throw new ContainerError('no free user-namespace range left in the pool: stop or remove containers with private users', { code: 'host' });
      range = { base, count: RANGE };
    } else {
      range = request.range;
    }
    record.userRange = range;
    writeRecord(record);
    return range;
  });
}
