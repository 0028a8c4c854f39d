/** Where container state lives: one directory per container under /run/ts-nspawn (rootless: the user's runtime directory). */
import { join } from 'node:path';
import { checkName } from './names.js';
import { isRootless } from '../rootless/mode.js';
import { rootlessStateRoot } from '../rootless/state-dir.js';

export function stateRoot(): string {
  return process.env.TS_NSPAWN_STATE_DIR || (isRootless() ? rootlessStateRoot() : '/run/ts-nspawn');
}

/** The one place a name becomes a path: refused unless it is a valid name. */
export function containerDirectory(name: string): string {
  return join(stateRoot(), checkName(name));
}

export const FILES = {
  state: 'state.json',
  config: 'config.json',
  log: 'console.log',
  attach: 'attach.sock',
  exit: 'exit',
  /** The create/start barrier of a created container (a FIFO). */
  start: 'start',
  /** The container's /etc/resolv.conf with a user-mode network. */
  resolvConf: 'resolv.conf',
  /** What the user-mode network helper writes: its PID (pasta), its messages, its API socket (slirp4netns). */
  networkPid: 'network.pid',
  networkLog: 'network.log',
  networkApi: 'network.sock',
} as const;

export function containerFile(name: string, file: keyof typeof FILES): string {
  return join(containerDirectory(name), FILES[file]);
}
