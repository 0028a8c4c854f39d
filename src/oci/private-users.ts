/**
 * `--private-users`: the container's root is an unprivileged range of host
 * IDs. systemd-nspawn's semantics: `no`; `yes` and `pick` (the runtime
 * chooses a free range); `identity` (the first 65536 IDs map to
 * themselves: a user namespace without a shift); `UID[:COUNT]` (this
 * range, 65536 IDs by default).
 */
import { statfsSync } from 'node:fs';
import { release } from 'node:os';
import { ContainerError } from '../errors.js';
import type { LinuxIDMapping } from './types.js';
import type { Ownership } from './settings.js';

export type PrivateUsers = 'no' | 'pick' | 'identity' | { base: number; count: number };

/** IDs in one container's range (nspawn's and podman's default). */
export const RANGE_SIZE = 0x10000;

export function parsePrivateUsers(text: string): PrivateUsers {
  if (/^(no|false)$/i.test(text)) return 'no';
  if (/^(yes|true|pick)$/i.test(text)) return 'pick';
  if (text === 'identity') return 'identity';
  const match = /^(\d+)(?::(\d+))?$/.exec(text);
  const base = Number(match?.[1]);
  const count = match?.[2] === undefined ? RANGE_SIZE : Number(match[2]);
  if (!match || !Number.isSafeInteger(base) || !Number.isSafeInteger(count) || count < 1 || base + count > 0xffffffff) {
    throw new ContainerError(`invalid --private-users '${text}': use no, yes, pick, identity or UID[:COUNT] (a range below 4294967295)`, { code: 'invalid-spec' });
  }
  if (base === 0 && count > 0) {
    throw new ContainerError(`invalid --private-users '${text}': a range from UID 0 maps the container's root to the host's; use identity if that is meant`, { code: 'invalid-spec' });
  }
  return { base, count };
}

export function parseOwnership(text: string): Ownership {
  if (text === 'auto' || text === 'map' || text === 'chown' || text === 'off') return text;
  throw new ContainerError(`invalid --private-users-ownership '${text}': use auto, map, chown or off`, { code: 'invalid-spec' });
}

/** The one extent the CLI writes for a range: container 0.. is host base.. */
export function rangeMappings(base: number, count: number): LinuxIDMapping[] {
  return [{ containerID: 0, hostID: base, size: count }];
}

/** statfs(2) magic numbers of the file systems that take idmapped mounts, and the kernel that brought it. */
const IDMAP_FILE_SYSTEMS = new Map<number, [name: string, since: [number, number]]>([
  [0xef53, ['ext4', [5, 12]]],
  [0x58465342, ['xfs', [5, 12]]],
  [0x9123683e, ['btrfs', [5, 15]]],
  [0x01021994, ['tmpfs', [6, 3]]],
]);

/**
 * Whether a tree on the file system with statfs type FSTYPE can be idmapped
 * by kernel RELEASE: undefined if so, else why not (for the one-line notice).
 */
export function idmapProblem(fsType: number, kernelRelease: string): string | undefined {
  const entry = IDMAP_FILE_SYSTEMS.get(fsType);
  if (!entry) return `its file system (type 0x${fsType.toString(16)}) does not take idmapped mounts`;
  const [name, [major, minor]] = entry;
  const [kmajor = 0, kminor = 0] = kernelRelease.split(/[.-]/).map(Number);
  if (kmajor < major || (kmajor === major && kminor < minor)) return `idmapped mounts of ${name} need Linux ${major}.${minor} (this is ${kernelRelease})`;
  return undefined;
}

/** idmapProblem of the directory PATH on this host. */
export function idmapProblemAt(path: string): string | undefined {
  let type: number;
  try {
    type = Number(statfsSync(path).type);
  } catch (error) {
    return `statfs failed (${(error as NodeJS.ErrnoException).code})`;
  }
  return idmapProblem(type, release());
}

/**
 * `auto` becomes `map` where the root can be idmapped, else `chown`, said
 * in one line; the others stay as they are.
 */
export function resolveOwnership(ownership: Ownership, root: string): Exclude<Ownership, 'auto'> {
  if (ownership !== 'auto') return ownership;
  const problem = idmapProblemAt(root);
  if (!problem) return 'map';
  process.stderr.write(`ts-nspawn: private users: ${root} cannot be idmapped (${problem}): its files are chowned to the container's range instead\n`);
  return 'chown';
}
