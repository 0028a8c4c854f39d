/** Where container state lives: one directory per container under /run/ts-nspawn. */
import { join } from 'node:path';

export function stateRoot(): string {
  return process.env.TS_NSPAWN_STATE_DIR || '/run/ts-nspawn';
}

export function containerDirectory(name: string): string {
  return join(stateRoot(), name);
}

export const FILES = {
  state: 'state.json',
  config: 'config.json',
  log: 'console.log',
  attach: 'attach.sock',
  exit: 'exit',
  /** The create/start barrier of a created container (a FIFO). */
  start: 'start',
} as const;

export function containerFile(name: string, file: keyof typeof FILES): string {
  return join(containerDirectory(name), FILES[file]);
}
