/**
 * The container state store. Concurrency comes from the file system's own
 * atomic operations, not from a daemon: a name is claimed by mkdir(2) (one
 * winner), state.json is replaced by rename(2) (readers see the old or the
 * new file, never half of one), and a record is deleted by first renaming
 * its directory out of the namespace of names.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerError } from '../errors.js';
import { containerDirectory, containerFile, stateRoot } from './paths.js';
import type { ContainerRecord } from './record.js';

const NAME_ATTEMPTS = 1000;

/**
 * Claims a directory for a new container. An explicit name must be free;
 * otherwise NAME, NAME-2, NAME-3, ... until one is. `onTaken` may free a
 * stale name (returns true) before it counts as taken.
 */
export async function claimName(base: string, explicit: boolean, onTaken: (name: string) => Promise<boolean>): Promise<string> {
  mkdirSync(stateRoot(), { recursive: true, mode: 0o700 });
  for (let attempt = 1; attempt <= NAME_ATTEMPTS; attempt++) {
    const name = attempt === 1 ? base : `${base}-${attempt}`;
    if (tryMkdir(containerDirectory(name))) return name;
    if ((await onTaken(name)) && tryMkdir(containerDirectory(name))) return name;
    if (explicit) {
      const existing = readRecord(name);
      const detail = existing?.status === 'running' ? `is running (PID ${existing.pid})` : 'exists (stopped): remove it with ts-nspawn rm ' + name;
      throw new ContainerError(`a container named '${name}' ${detail}; choose another name with -M`);
    }
  }
  throw new ContainerError(`no free container name like '${base}': remove stopped containers with ts-nspawn gc`);
}

function tryMkdir(path: string): boolean {
  try {
    mkdirSync(path, { mode: 0o700 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

export function writeRecord(record: ContainerRecord): void {
  writeAtomically(containerFile(record.id, 'state'), JSON.stringify(record, null, 2) + '\n');
}

export function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}

export function readRecord(name: string): ContainerRecord | undefined {
  try {
    return JSON.parse(readFileSync(containerFile(name, 'state'), 'utf8')) as ContainerRecord;
  } catch {
    return undefined;
  }
}

/** Names of all containers with a state directory (dot-names are removals in progress). */
export function listNames(): string[] {
  try {
    return readdirSync(stateRoot()).filter((name) => !name.startsWith('.')).sort();
  } catch {
    return [];
  }
}

/** Deletes a container's directory: renamed away first, so the name is free at once. */
export function removeDirectory(name: string): void {
  const doomed = join(stateRoot(), `.${name}.removing.${process.pid}.${Date.now()}`);
  try {
    renameSync(containerDirectory(name), doomed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  rmSync(doomed, { recursive: true, force: true });
}
