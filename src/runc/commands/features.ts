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
    'strictatime', 'suid', 'sync', 'tmpcopyup', 'unbindable',
  ],
  linux: {
    namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts'],
    cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
    // What the filter compiler (src/security/seccomp-rules.ts) and the executor's libseccomp take.
    seccomp: {
      enabled: true,
      actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'],
      operators: ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'],
      archs: ['SCMP_ARCH_NATIVE'],
    },
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
