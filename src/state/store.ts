/**
 * The container state store. Concurrency comes from the file system's own
 * atomic operations, not from a daemon: a name is claimed by mkdir(2) (one
 * winner), state.json is replaced by rename(2) (readers see the old or the
 * new file, never half of one), and a record is deleted by first renaming
 * its directory out of the namespace of names.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerError } from '../errors.js';
import { quote } from '../quote.js';
import { checkName, isValidName } from './names.js';
import { containerDirectory, containerFile, stateRoot } from './paths.js';
import { directoryProblem, readRecordFile } from './read.js';
import type { ContainerRecord, ExitRecord } from './record.js';
import { parseExitFile, stateProblem, storedSpecProblem } from './schema.js';

const NAME_ATTEMPTS = 1000;

/**
 * Claims a directory for a new container. An explicit name must be free;
 * otherwise NAME, NAME-2, NAME-3, ... until one is. `onTaken` may free a
 * stale name (returns true) before it counts as taken.
 */
export async function claimName(base: string, explicit: boolean, onTaken: (name: string) => Promise<boolean>): Promise<string> {
  checkName(base, explicit ? 'machine name' : 'container name');
  mkdirSync(stateRoot(), { recursive: true, mode: 0o700 });
  for (let attempt = 1; attempt <= NAME_ATTEMPTS; attempt++) {
    const name = attempt === 1 ? base : `${base}-${attempt}`;
    if (tryMkdir(containerDirectory(name))) return name;
    if ((await onTaken(name)) && tryMkdir(containerDirectory(name))) return name;
    if (explicit) {
      const existing = readRecord(name);
      const detail = existing?.status === 'running' ? `is running (PID ${existing.pid})` : 'exists (stopped): remove it with ts-nspawn rm ' + name;
      throw new ContainerError(`a container named ${quote(name)} ${detail}; choose another name with -M`);
    }
  }
  throw new ContainerError(`no free container name like ${quote(base)}: remove stopped containers with ts-nspawn gc`);
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

/** Sane upper bounds: a record is small; a spec with a long command or environment is not huge. */
const MAX_STATE_BYTES = 1 << 20;
const MAX_CONFIG_BYTES = 8 << 20;
const MAX_EXIT_BYTES = 64;

/** What a record directory holds: nothing (yet), a record that passed its schema, or a corrupt one. */
export type StoredState =
  | { kind: 'missing' }
  | { kind: 'corrupt'; reason: string }
  | { kind: 'ok'; record: ContainerRecord };

export function readState(name: string): StoredState {
  const directory = directoryProblem(containerDirectory(name));
  if (directory) return directory.missing ? { kind: 'missing' } : { kind: 'corrupt', reason: `its directory ${directory.reason}` };
  const file = readRecordFile(containerFile(name, 'state'), MAX_STATE_BYTES);
  if (!file.ok) return file.missing ? { kind: 'missing' } : { kind: 'corrupt', reason: `state.json ${file.reason}` };
  let value: unknown;
  try {
    value = JSON.parse(file.text);
  } catch {
    return { kind: 'corrupt', reason: 'state.json is not valid JSON' };
  }
  const problem = stateProblem(value, name);
  return problem ? { kind: 'corrupt', reason: problem } : { kind: 'ok', record: value as ContainerRecord };
}

/** The record, if there is one that passes its schema. */
export function readRecord(name: string): ContainerRecord | undefined {
  const state = readState(name);
  return state.kind === 'ok' ? state.record : undefined;
}

/** The exit file, if the supervisor wrote a valid one. */
export function readExit(name: string): ExitRecord | undefined {
  const file = readRecordFile(containerFile(name, 'exit'), MAX_EXIT_BYTES);
  return file.ok ? parseExitFile(file.text) : undefined;
}

/**
 * config.json, checked before exec or a restart uses it: read safely,
 * structurally sound, and passing `validate` (validateSpec) if given.
 */
export function readStoredSpec<T>(name: string, validate: (value: unknown) => T = (value) => value as T): T {
  const file = readRecordFile(containerFile(name, 'config'), MAX_CONFIG_BYTES);
  let problem = file.ok ? undefined : `config.json ${file.reason}`;
  let value: unknown;
  if (file.ok) {
    try {
      value = JSON.parse(file.text);
      problem = storedSpecProblem(value);
    } catch {
      problem = 'config.json is not valid JSON';
    }
  }
  if (!problem) {
    try {
      return validate(value);
    } catch (error) {
      problem = `config.json is not a valid spec (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  throw new ContainerError(`the record of container ${quote(name)} is corrupt: ${problem}; remove it with ts-nspawn rm -f ${name}`, {
    code: 'corrupt',
    container: name,
  });
}

/** Names of all containers with a state directory (dot-names are removals in progress, other invalid names not ours). */
export function listNames(): string[] {
  // Outside the try: a state root that cannot be named (rootless without XDG_RUNTIME_DIR) is an error, not "none".
  const root = stateRoot();
  try {
    return readdirSync(root).filter(isValidName).sort();
  } catch {
    return [];
  }
}

/** Deletes a container's directory: renamed away first, so the name is free at once. */
export function removeDirectory(name: string): void {
  containerDirectory(name); // refuses an invalid name
  const doomed = join(stateRoot(), `.${name}.removing.${process.pid}.${Date.now()}`);
  try {
    renameSync(containerDirectory(name), doomed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  rmSync(doomed, { recursive: true, force: true });
}
