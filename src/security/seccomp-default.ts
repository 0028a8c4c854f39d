/**
 * The default seccomp profiles. Both are deny lists over an ALLOW default:
 * they block what Docker's and podman's default profile (and, for `boot`,
 * systemd-nspawn's filter) block that a container could still reach with
 * its capabilities -- kernel interfaces that are not namespaced (keyring,
 * bpf, perf, modules, time, swap, the kernel log), ways around the mount
 * and namespace isolation when CAP_SYS_ADMIN is not granted, and the
 * user's terminal (TIOCSTI). Calls a missing capability refuses anyway are
 * blocked as well, so a kernel bug in one of their checks is not reachable.
 * Only the native architecture is in the filter: 32-bit and x32 calls of a
 * native filter are killed (libseccomp's "bad arch" action), so an
 * int 0x80 cannot dodge the rules.
 */
import type { CapabilityName, LinuxSeccomp, LinuxSyscall } from '../oci/types.js';
import { nativeArchitecture } from './seccomp-arch.js';

const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;

/** Interfaces that are not namespaced or reach the host's kernel: never in a container. */
const ALWAYS_BLOCKED = [
  'open_by_handle_at', // the "shocker" attack: open host files by handle
  'keyctl', 'add_key', 'request_key', // the kernel keyring is not namespaced
  'bpf', 'perf_event_open', 'userfaultfd',
  'io_uring_setup', 'io_uring_enter', 'io_uring_register', // a large surface Docker blocks too
  'kexec_load', 'kexec_file_load',
  'init_module', 'finit_module', 'delete_module', 'create_module', 'get_kernel_syms', 'query_module',
  'swapon', 'swapoff',
  'quotactl', 'quotactl_fd', 'lookup_dcookie', 'fanotify_init', 'nfsservctl',
  'uselib', 'ustat', 'sysfs', '_sysctl', 'vm86', 'vm86old',
  'iopl', 'ioperm',
];

/** Calls that only the named capability makes sense of. */
const NEEDS_CAPABILITY: Array<[CapabilityName, string[]]> = [
  ['CAP_SYS_TIME', ['clock_settime', 'clock_settime64', 'settimeofday', 'adjtimex', 'clock_adjtime', 'clock_adjtime64', 'stime']],
  ['CAP_SYSLOG', ['syslog']],
  ['CAP_SYS_PACCT', ['acct']],
  ['CAP_SYS_PTRACE', ['ptrace', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd', 'kcmp']],
  [
    'CAP_SYS_ADMIN',
    [
      'mount', 'umount', 'umount2', 'pivot_root',
      'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr',
      // unshare(CLONE_NEWUSER) needs no capability at all: the way back to a full set.
      'unshare', 'setns',
    ],
  ],
];

/** clone(2) flags that create namespaces (CLONE_NEWNS ... CLONE_NEWNET). */
const CLONE_NAMESPACE_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];

const TIOCSTI = 0x5412; // push bytes into a terminal's input: the user's own, on `run -P`
const TIOCLINUX = 0x541c; // the same through the Linux console

const AF_NETLINK = 16;
const NETLINK_AUDIT = 9;

/**
 * personality(2) flags that weaken the process's own memory protections
 * (ASLR off, read implies exec, a mappable page 0, legacy layouts).
 */
const RISKY_PERSONALITY_FLAGS = [0x0040000, 0x0080000, 0x0100000, 0x0200000, 0x0400000, 0x0800000, 0x8000000];

export interface DefaultProfileOptions {
  /** The container's bounding set: what it may do decides what stays allowed. */
  capabilities: readonly CapabilityName[];
  /**
   * `boot`: audit sockets fail with EAFNOSUPPORT ("audit is off"), as under
   * systemd-nspawn, so journald and PAM stay quiet.
   */
  boot?: boolean;
}

/**
 * The profiles made here, one frozen object per kind: nobody can change
 * one after it was made, so validateSpec need not check it against the
 * JSON schema (a hundred rules: most of a start's validation time), and
 * its filter is compiled once per process.
 */
const madeProfiles = new Map<string, LinuxSeccomp>();
const madeHere = new WeakSet<object>();

/** True for a profile defaultSeccompProfile made (frozen, so still exactly as made). */
export function isDefaultProfile(seccomp: unknown): boolean {
  return typeof seccomp === 'object' && seccomp !== null && madeHere.has(seccomp);
}

export function defaultSeccompProfile({ capabilities, boot = false }: DefaultProfileOptions): LinuxSeccomp {
  const has = new Set(capabilities);
  // Only the capabilities the profile looks at tell two profiles apart.
  const key = `${boot}:${NEEDS_CAPABILITY.map(([capability]) => has.has(capability)).join()}:${has.has('CAP_SYS_ADMIN')}`;
  const made = madeProfiles.get(key);
  if (made) return made;
  const profile = deepFreeze(buildProfile(has, boot));
  madeProfiles.set(key, profile);
  madeHere.add(profile);
  return profile;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function buildProfile(has: ReadonlySet<CapabilityName>, boot: boolean): LinuxSeccomp {
  const blocked = [...ALWAYS_BLOCKED];
  for (const [capability, names] of NEEDS_CAPABILITY) if (!has.has(capability)) blocked.push(...names);

  const syscalls: LinuxSyscall[] = [{ names: blocked, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }];
  if (has.has('CAP_SYS_ADMIN')) syscalls.push(...keepMountsInPlace());
  else {
    // clone3 passes its flags in memory, out of the filter's sight: ENOSYS
    // makes libc fall back to clone(2), whose flags the filter does see.
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
    // One rule per flag: rules for one call are ORed, comparisons in a rule ANDed.
    for (const flag of CLONE_NAMESPACE_FLAGS) {
      syscalls.push(blockIf('clone', [{ index: 0, op: 'SCMP_CMP_MASKED_EQ', value: flag, valueTwo: flag }]));
    }
  }
  for (const request of [TIOCSTI, TIOCLINUX]) {
    // ioctl's request is an int: compare only its low 32 bits.
    syscalls.push(blockIf('ioctl', [{ index: 1, op: 'SCMP_CMP_MASKED_EQ', value: 0xffffffff, valueTwo: request }]));
  }
  syscalls.push({
    ...blockIf('socket', [
      { index: 0, op: 'SCMP_CMP_EQ', value: AF_NETLINK },
      { index: 2, op: 'SCMP_CMP_EQ', value: NETLINK_AUDIT },
    ]),
    errnoRet: boot ? EAFNOSUPPORT : EPERM,
  });
  syscalls.push(...personalityRules());
  return { defaultAction: 'SCMP_ACT_ALLOW', architectures: [nativeArchitecture()], syscalls };
}

/**
 * With CAP_SYS_ADMIN (boot: systemd mounts for its services) mount(2) must
 * stay, but the read-only /proc/sys and /sys and the masks should stay put.
 * A filter sees register values, never paths, so it cannot single those
 * mounts out. What it can refuse without breaking systemd: every unmount
 * (systemd sets up its services' namespaces without one; only its own
 * shutdown unmounts, and a container's shutdown does not need to), and the
 * new mount API, whose attributes (mount_setattr's attr_clr) sit in memory
 * the filter cannot read: ENOSYS, so systemd falls back to mount(2).
 * A remount read-write stays allowed: logind's ReadWritePaths=/etc is one.
 * Not covered, and not coverable without a user namespace (see README):
 * that remount, a fresh `mount -t proc`, a bind of /proc without its
 * submounts, MS_MOVE.
 */
function keepMountsInPlace(): LinuxSyscall[] {
  return [
    { names: ['umount', 'umount2'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
    {
      names: ['fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: ENOSYS,
    },
  ];
}

/**
 * personality(2): allowed unless it sets a risky flag. The query value
 * 0xffffffff has every bit set and must stay allowed, but a rule cannot say
 * "not 0xffffffff" next to another test of the same argument. So: a risky
 * flag with bit 31 clear is blocked; with bit 31 set, any value that has
 * some other bit clear (i.e. anything but 0xffffffff) is blocked.
 */
function personalityRules(): LinuxSyscall[] {
  const rules = RISKY_PERSONALITY_FLAGS.map((flag) =>
    blockIf('personality', [{ index: 0, op: 'SCMP_CMP_MASKED_EQ', value: (flag | 0x80000000) >>> 0, valueTwo: flag }]),
  );
  for (let bit = 0; bit < 31; bit++) {
    rules.push(blockIf('personality', [{ index: 0, op: 'SCMP_CMP_MASKED_EQ', value: (0x80000000 | (1 << bit)) >>> 0, valueTwo: 0x80000000 }]));
  }
  return rules;
}

function blockIf(name: string, args: NonNullable<LinuxSyscall['args']>): LinuxSyscall {
  return { names: [name], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args };
}
