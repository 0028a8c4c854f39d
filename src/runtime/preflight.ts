/**
 * Checks made before anything is set up, so that bad input fails with a
 * clear message and leaves the host untouched: the spec itself
 * (validateSpec), then what it needs from the host.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { ContainerError } from '../errors.js';
import { resolveInRoot } from '../host/root-path.js';
import { INIT_PATH } from '../oci/build-spec.js';
import { validateSpec, type ValidatedSpec } from '../oci/validate.js';
import { checkBridge } from '../network/bridge.js';
import { checkUserNetworkHost } from '../network/user-mode.js';
import { hardLimits, hasSysResource } from '../host/rlimits.js';
import { RLIM_INFINITY } from '../oci/rlimits.js';
import type { Spec } from '../oci/types.js';
import { isRootless } from '../rootless/mode.js';
import { checkRootless, rootlessSpec } from '../rootless/policy.js';

export async function preflight(input: unknown): Promise<ValidatedSpec> {
  const rootless = isRootless();
  const validated = validateSpec(rootless ? rootlessSpec(input) : input);
  const { spec, settings } = validated;
  if (rootless) checkRootless(spec, settings);
  checkRootDirectory(spec.root.path);
  checkRlimits(spec);
  if (settings.boot) checkInit(spec.root.path);
  if (settings.network) await checkBridge(settings.network.bridge);
  if (settings.userNetwork) checkUserNetworkHost(settings.userNetwork, rootless);
  return validated;
}

/**
 * A hard rlimit above ours needs CAP_SYS_RESOURCE: without it the
 * executor's setrlimit would fail deep in the set-up; said here, in words.
 */
function checkRlimits(spec: Spec): void {
  const rlimits = spec.process?.rlimits ?? [];
  if (rlimits.length === 0 || hasSysResource()) return;
  const ours = hardLimits();
  for (const { type, hard } of rlimits) {
    const allowed = ours.get(type);
    if (allowed === undefined || hard <= allowed || (allowed === Infinity)) continue;
    const shown = (value: number) => (value >= RLIM_INFINITY ? 'unlimited' : String(value));
    throw new ContainerError(
      `cannot raise the hard limit of ${type} to ${shown(hard)}: the most this host allows is ${shown(allowed)}, and raising it needs CAP_SYS_RESOURCE, which ts-nspawn does not have here; give a hard limit of at most ${shown(allowed)}`,
      { code: 'host', path: type },
    );
  }
}

function checkRootDirectory(root: string): void {
  let stat;
  try {
    stat = statSync(root);
  } catch {
    throw new ContainerError(`root directory '${root}' does not exist: give -D an existing directory`, { code: 'host', path: root });
  }
  if (!stat.isDirectory()) throw new ContainerError(`root directory '${root}' is not a directory: give -D a directory`, { code: 'host', path: root });
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
    throw new ContainerError(`'${root}' has no executable ${INIT_PATH}: is this an OS tree? did you install systemd-sysv?`, { code: 'host', path: init ?? root });
  }
}
