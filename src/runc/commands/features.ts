/** `features`: what this runtime implements, in the runtime-spec's features.md format. */
import { print } from '../../cli/output.js';
import type { RuncCommand } from '../command.js';

const FEATURES = {
  ociVersionMin: '1.0.0',
  ociVersionMax: '1.3.0',
  hooks: [],
  mountOptions: [
    'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'noatime', 'nodev', 'nodiratime', 'noexec',
    'nosuid', 'private', 'rbind', 'relatime', 'ro', 'rprivate', 'rshared', 'rslave', 'runbindable', 'rw', 'shared', 'slave',
    'strictatime', 'suid', 'sync', 'unbindable',
  ],
  linux: {
    namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts'],
    cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
    seccomp: { enabled: false },
    apparmor: { enabled: false },
    selinux: { enabled: false },
  },
  annotations: { 'org.ts-nspawn.runtime': 'ts-runc' },
};

export const featuresCommand: RuncCommand = {
  name: 'features',
  usage: 'features',
  summary: 'show what the runtime implements (JSON)',
  options: {},
  positionals: { min: 0, max: 0 },
  async run() {
    print(`${JSON.stringify(FEATURES, null, 2)}\n`);
    return 0;
  },
};
