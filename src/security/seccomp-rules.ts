/**
 * OCI `linux.seccomp` -> the executor's `seccomp` step (docs/executor.md):
 * a default action, the architectures, and one text rule per libseccomp
 * rule, "ACTION SYSCALL [INDEX OP VALUE [VALUE2]]...".
 */
import type { LinuxSeccomp, LinuxSyscall } from '../oci/types.js';
import { executorArchName } from './seccomp-arch.js';
import { isDefaultProfile } from './seccomp-default.js';

export interface SeccompFilter {
  defaultAction: string;
  architectures: string[];
  rules: string[];
}

const EPERM = 1;

const OPERATORS: Record<string, string> = {
  SCMP_CMP_NE: 'ne',
  SCMP_CMP_LT: 'lt',
  SCMP_CMP_LE: 'le',
  SCMP_CMP_EQ: 'eq',
  SCMP_CMP_GE: 'ge',
  SCMP_CMP_GT: 'gt',
  SCMP_CMP_MASKED_EQ: 'masked-eq',
};

/** SCMP_ACT_ERRNO with errnoRet 13 -> `errno:13`. */
export function actionToken(action: string, errnoRet: number | undefined): string {
  switch (action) {
    case 'SCMP_ACT_ALLOW':
      return 'allow';
    case 'SCMP_ACT_ERRNO':
      return `errno:${errnoRet ?? EPERM}`;
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return 'kill-thread';
    case 'SCMP_ACT_KILL_PROCESS':
      return 'kill-process';
    case 'SCMP_ACT_TRAP':
      return 'trap';
    case 'SCMP_ACT_LOG':
      return 'log';
    case 'SCMP_ACT_TRACE':
      return `trace:${errnoRet ?? 0}`;
    default:
      throw new Error(`unknown seccomp action ${action}`);
  }
}

/** The filters of the built-in profiles (frozen, see seccomp-default.ts), each compiled once. */
const compiledDefaults = new WeakMap<LinuxSeccomp, SeccompFilter>();

export function compileSeccomp(seccomp: LinuxSeccomp): SeccompFilter {
  if (!isDefaultProfile(seccomp)) return compile(seccomp);
  let filter = compiledDefaults.get(seccomp);
  if (!filter) compiledDefaults.set(seccomp, (filter = Object.freeze(compile(seccomp))));
  return filter;
}

function compile(seccomp: LinuxSeccomp): SeccompFilter {
  const defaultAction = actionToken(seccomp.defaultAction, seccomp.defaultErrnoRet);
  const architectures = (seccomp.architectures ?? []).flatMap((arch) => executorArchName(arch) ?? []);
  const rules: string[] = [];
  for (const syscall of seccomp.syscalls ?? []) {
    const action = actionToken(syscall.action, syscall.errnoRet);
    // libseccomp refuses a rule that does what the default does; it would change nothing.
    if (action === defaultAction) continue;
    for (const name of syscall.names) {
      for (const args of argumentGroups(syscall)) rules.push([action, name, ...args].join(' '));
    }
  }
  return { defaultAction, architectures, rules };
}

/**
 * The comparisons of one entry, as libseccomp rules. libseccomp cannot
 * test one argument twice in a rule; like runc, an entry that does gets one
 * rule per comparison (which ORs them).
 */
function argumentGroups(syscall: LinuxSyscall): string[][] {
  const args = (syscall.args ?? []).map((arg) => {
    const op = OPERATORS[arg.op];
    if (!op) throw new Error(`unknown seccomp operator ${arg.op}`);
    const values = op === 'masked-eq' ? [arg.value, arg.valueTwo ?? 0] : [arg.value];
    return [String(arg.index), op, ...values.map((value) => `0x${value.toString(16)}`)].join(' ');
  });
  if (args.length === 0) return [[]];
  const indexes = (syscall.args ?? []).map((arg) => arg.index);
  if (new Set(indexes).size === indexes.length) return [args];
  return args.map((arg) => [arg]);
}
