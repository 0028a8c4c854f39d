/**
 * `spec [--bundle DIR] [--rootless]`: writes a starting config.json (the
 * runtime's own defaults for a container running `sh` on a terminal in
 * DIR/rootfs), as runc does; refuses to overwrite one.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ContainerError } from '../../errors.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_PATH, DEFAULT_READONLY_PATHS, defaultMounts } from '../../oci/defaults.js';
import { OCI_VERSION, type NamespaceType, type Spec } from '../../oci/types.js';
import { string, type RuncCommand } from '../command.js';

const CAPABILITIES = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'] as const;

export function defaultBundleSpec(rootless: boolean): Spec {
  const namespaces: NamespaceType[] = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup', ...(rootless ? (['user'] as const) : [])];
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: [`PATH=${DEFAULT_PATH}`, 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: [...CAPABILITIES], effective: [...CAPABILITIES], permitted: [...CAPABILITIES] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'ts-runc',
    mounts: defaultMounts().filter((mount) => mount.destination !== '/run/host'),
    linux: {
      namespaces: namespaces.map((type) => ({ type })),
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
      ...(rootless
        ? { uidMappings: [{ containerID: 0, hostID: process.getuid?.() ?? 0, size: 1 }], gidMappings: [{ containerID: 0, hostID: process.getgid?.() ?? 0, size: 1 }] }
        : {}),
    },
  };
}

export const specCommand: RuncCommand = {
  name: 'spec',
  usage: 'spec [--bundle DIR] [--rootless]',
  summary: 'write a new config.json to start from',
  options: { bundle: { type: 'string', short: 'b' }, rootless: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run(values) {
    const path = join(resolve(string(values.bundle) ?? '.'), 'config.json');
    if (existsSync(path)) throw new ContainerError(`File ${path} exists. Remove it first`);
    writeFileSync(path, `${JSON.stringify(defaultBundleSpec(values.rootless === true), null, 2)}\n`);
    return 0;
  },
};
