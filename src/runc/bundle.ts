/**
 * An OCI bundle: a directory with config.json, whose root.path is relative
 * to it (or absolute). The spec is read as the engine wrote it; the runtime
 * validates it like every other spec before anything is set up.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { devicePolicy } from '../cgroups/device-rules.js';
import { ContainerError } from '../errors.js';
import { DEFAULT_DEVICES } from '../oci/defaults.js';
import type { Spec } from '../oci/types.js';

export function readBundle(bundle: string): { directory: string; spec: Spec } {
  const directory = resolve(bundle);
  let text: string;
  try {
    text = readFileSync(resolve(directory, 'config.json'), 'utf8');
  } catch (error) {
    throw new ContainerError(`cannot read ${directory}/config.json: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let spec: Spec;
  try {
    spec = JSON.parse(text) as Spec;
  } catch (error) {
    throw new ContainerError(`${directory}/config.json is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof spec !== 'object' || spec === null || typeof spec.root?.path !== 'string') {
    throw new ContainerError(`${directory}/config.json has no root.path: it is not an OCI runtime spec`);
  }
  // Every 1.x release (engines write 1.0.2-dev to 1.3.0) is compatible; another major is not.
  if (typeof spec.ociVersion !== 'string' || !/^1\.\d+\.\d+/.test(spec.ociVersion)) {
    throw new ContainerError(`${directory}/config.json: ociVersion ${JSON.stringify(spec.ociVersion)} is not supported: ts-runc runs runtime-spec 1.x bundles (1.0.0 to 1.3.x)`);
  }
  const root = isAbsolute(spec.root.path) ? spec.root.path : resolve(directory, spec.root.path);
  return { directory, spec: withDefaultDevices({ ...spec, root: { ...spec.root, path: root } }) };
}

/**
 * The default nodes every container gets (/dev/null, /dev/tty, the PTYs,
 * ...) stay usable whatever the spec's device rules say, as under runc:
 * engines write only `deny all` and the extra devices they add, and rely
 * on the runtime to allow its own nodes after them (the last match wins).
 */
function withDefaultDevices(spec: Spec): Spec {
  const rules = spec.linux?.resources?.devices;
  if (!rules) return spec;
  const defaults = devicePolicy(DEFAULT_DEVICES).filter((rule) => rule.allow);
  return { ...spec, linux: { ...spec.linux, resources: { ...spec.linux!.resources, devices: [...rules, ...defaults] } } };
}

/** runc's rule for container IDs; they also name the state directory. */
const ID = /^[A-Za-z0-9_+.-]{1,1024}$/;

export function checkId(id: string): string {
  if (!ID.test(id) || id === '.' || id === '..' || id.startsWith('.')) {
    throw new ContainerError(`invalid container ID ${JSON.stringify(id)}: use letters, digits, _ + . - (not starting with .)`);
  }
  return id;
}
