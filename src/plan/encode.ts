/**
 * Serialises a plan into the executor's wire format: NUL-terminated tokens,
 * opcode then arguments, lists as a count then items (docs/executor.md).
 */
import { ContainerError } from '../errors.js';
import { MAX_STRING_BYTES } from '../oci/json-value.js';
import type { Plan, Step } from './steps.js';

export const PLAN_MAGIC = 'TSNPLAN/1';

/**
 * Fails with a ContainerError naming the step for a value the executor
 * cannot take (validateSpec keeps these from specs; this is the last
 * guard, for plans built by hand), so nothing is spawned for a bad plan.
 */
export function encodePlan(plan: Plan): Buffer {
  const tokens: string[] = [PLAN_MAGIC];
  plan.forEach((step, index) => {
    const bad = (what: string) =>
      new ContainerError(`cannot encode step ${index} (${String(step?.op)}) of the plan: ${what}`, { code: 'invalid-spec', step: String(step?.op) });
    let args: unknown[];
    try {
      args = stepTokens(step);
    } catch (error) {
      throw bad((error as Error).message);
    }
    if (args === undefined) throw bad('unknown opcode');
    for (const token of args) {
      if (typeof token !== 'string') throw bad(`an argument is a ${typeof token}, not a string`);
      if (token.includes('\0')) throw bad(`an argument contains a NUL byte: ${JSON.stringify(token.slice(0, 60))}`);
      if (token.length > MAX_STRING_BYTES / 3 && Buffer.byteLength(token) > MAX_STRING_BYTES) {
        throw bad(`an argument is longer than ${MAX_STRING_BYTES} bytes (${JSON.stringify(token.slice(0, 40))}...)`);
      }
      tokens.push(token);
    }
  });
  tokens.push('end');
  return Buffer.from(tokens.join('\0') + '\0');
}

/** A number argument: a safe integer, or the step is refused (no "NaN" reaches the executor). */
function num(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`${typeof value === 'number' ? value : typeof value} is not an integer`);
  return String(value);
}

const list = (items: readonly (string | number)[]) => {
  if (!Array.isArray(items)) throw new Error('a list argument is not an array');
  return [String(items.length), ...items.map((item) => (typeof item === 'number' ? num(item) : item))];
};

const extent = (m: { containerID: number; hostID: number; size: number }) => `${num(m.containerID)} ${num(m.hostID)} ${num(m.size)}`;
const limit = (value: number | 'infinity') => (value === 'infinity' ? value : num(value));
const octal = (mode: number) => (num(mode), mode.toString(8));

function stepTokens(step: Step): string[] {
  switch (step.op) {
    case 'namespaces':
    case 'unshare':
      return [step.op, step.types.join(',')];
    case 'escape':
      return [step.op, step.mode];
    case 'forward-signal':
      return [step.op, num(step.from), num(step.to)];
    case 'hostname':
      return [step.op, step.name];
    case 'propagation':
      return [step.op, step.mode];
    case 'user-map-writer':
      return [step.op, ...list(step.uidHelper), ...list(step.gidHelper)];
    case 'user-map':
      return [step.op, ...list(step.uids.map(extent)), ...list(step.gids.map(extent)), step.setgroups];
    case 'enter-root':
    case 'enter-root-idmapped':
    case 'bind-console':
    case 'mask':
    case 'readonly':
    case 'chdir':
      return [step.op, step.path];
    case 'mount':
    case 'mount-copy-up':
      return [step.op, step.source, step.target, step.fstype, step.flags.join(','), step.data, step.create];
    case 'mknod':
      return [
        step.op,
        step.path,
        step.type,
        num(step.major),
        num(step.minor),
        octal(step.mode),
        num(step.uid),
        num(step.gid),
      ];
    case 'symlink':
      return [step.op, step.target, step.path];
    case 'credentials':
      return [
        step.op,
        num(step.uid),
        num(step.gid),
        ...list(step.groups),
        step.bounding,
        step.effective,
        step.permitted,
        step.inheritable,
        step.ambient,
      ];
    case 'env':
      return [step.op, ...list(step.vars)];
    case 'search-path':
      return [step.op, step.path];
    case 'seccomp':
      return [step.op, step.defaultAction, ...list(step.architectures), ...list(step.rules)];
    case 'exec':
    case 'exit-command':
      return [step.op, ...list(step.args)];
    case 'log':
      return [step.op, step.path, num(step.maxBytes)];
    case 'attach-socket':
    case 'exit-file':
    case 'clone-into-cgroup':
    case 'wait-start':
    case 'console-socket':
    case 'pidfd-socket':
    case 'join-cgroup':
      return [step.op, step.path];
    case 'preserve-fds':
      return [step.op, num(step.count)];
    case 'device-filter':
      return [step.op, step.path, ...list(step.rules)];
    case 'join-pidns':
      return [step.op, num(step.pid)];
    case 'console-size':
      return [step.op, num(step.rows), num(step.cols)];
    case 'join':
      return [step.op, num(step.pid), step.types.join(',')];
    case 'join-ns':
      return [step.op, step.type, step.path];
    case 'rlimit':
      return [step.op, step.type, limit(step.soft), limit(step.hard)];
    case 'sysctl':
      return [step.op, step.key, step.value];
    case 'umask':
      return [step.op, octal(step.mode)];
    case 'wait-hooks':
      return [step.op, step.name];
    case 'exec-path':
      return [step.op, step.path];
    case 'domainname':
      return [step.op, step.name];
    case 'oom-score-adj':
      return [step.op, num(step.value)];
    case 'io-priority':
      return [step.op, num(step.ioClass), num(step.level)];
    case 'scheduler':
      return [step.op, num(step.policy), num(step.flags), num(step.nice), num(step.priority), num(step.runtime), num(step.deadline), num(step.period)];
    case 'personality':
      return [step.op, num(step.domain)];
    case 'cpu-affinity':
    case 'initial-cpu-affinity':
      return [step.op, step.cpus.map(num).join(',')];
    case 'time-namespace':
      return [step.op, num(step.monotonic[0]), num(step.monotonic[1]), num(step.boottime[0]), num(step.boottime[1])];
    case 'exec-label':
      return [step.op, step.lsm, step.label];
    case 'console':
    case 'wait-go':
    case 'detach':
    case 'setsid':
    case 'loopback-up':
    case 'pivot-root':
    case 'no-new-privileges':
    case 'hand-off':
    case 'stage-mounts':
    case 'stage-end':
      return [step.op];
  }
}
