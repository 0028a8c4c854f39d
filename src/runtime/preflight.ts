/**
 * Checks made before anything is set up, so that bad input fails with a
 * clear message and leaves the host untouched.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { ContainerError } from '../errors.js';
import { resolveInRoot } from '../host/root-path.js';
import { ANNOTATION } from '../spec/annotations.js';
import { INIT_PATH } from '../spec/build-spec.js';
import type { Spec } from '../spec/oci.js';
import { checkBridge } from '../network/bridge.js';
import { bridgeOf } from './network-settings.js';

export async function preflight(spec: Spec): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new ContainerError('containers need root (rootless mode is not supported yet): run ts-nspawn as root, e.g. with sudo');
  }
  checkRootDirectory(spec.root.path);
  if (spec.annotations?.[ANNOTATION.boot] === 'true') checkInit(spec.root.path);
  const network = bridgeOf(spec);
  if (network) await checkBridge(network.bridge);
}

function checkRootDirectory(root: string): void {
  let stat;
  try {
    stat = statSync(root);
  } catch {
    throw new ContainerError(`root directory '${root}' does not exist: give -D an existing directory`);
  }
  if (!stat.isDirectory()) throw new ContainerError(`root directory '${root}' is not a directory: give -D a directory`);
}

function checkInit(root: string): void {
  const init = resolveInRoot(root, INIT_PATH);
  let executable = false;
  try {
    executable = init !== undefined && statSync(init).isFile() && (accessSync(init, constants.X_OK), true);
  } catch {
    executable = false;
  }
  if (!executable) {
    throw new ContainerError(`'${root}' has no executable ${INIT_PATH}: is this an OS tree? did you install systemd-sysv?`);
  }
}
