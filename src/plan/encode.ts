/**
 * Serialises a plan into the executor's wire format: NUL-terminated tokens,
 * opcode then arguments, lists as a count then items (docs/executor.md).
 */
import type { Plan, Step } from './steps.js';

export const PLAN_MAGIC = 'TSNPLAN/1';

export function encodePlan(plan: Plan): Buffer {
  const tokens: string[] = [PLAN_MAGIC];
  for (const step of plan) tokens.push(...stepTokens(step));
  tokens.push('end');
  for (const token of tokens) {
    if (token.includes('\0')) throw new Error(`plan token contains a NUL byte: ${JSON.stringify(token)}`);
  }
  return Buffer.from(tokens.join('\0') + '\0');
}

const list = (items: readonly (string | number)[]) => [String(items.length), ...items.map(String)];

function stepTokens(step: Step): string[] {
  switch (step.op) {
    case 'namespaces':
    case 'unshare':
      return [step.op, step.types.join(',')];
    case 'escape':
      return [step.op, step.mode];
    case 'forward-signal':
      return [step.op, String(step.from), String(step.to)];
    case 'hostname':
      return [step.op, step.name];
    case 'propagation':
      return [step.op, step.mode];
    case 'enter-root':
    case 'bind-console':
    case 'mask':
    case 'readonly':
    case 'chdir':
      return [step.op, step.path];
    case 'mount':
      return [step.op, step.source, step.target, step.fstype, step.flags.join(','), step.data, step.create];
    case 'mknod':
      return [
        step.op,
        step.path,
        step.type,
        String(step.major),
        String(step.minor),
        step.mode.toString(8),
        String(step.uid),
        String(step.gid),
      ];
    case 'symlink':
      return [step.op, step.target, step.path];
    case 'credentials':
      return [
        step.op,
        String(step.uid),
        String(step.gid),
        ...list(step.groups),
        step.bounding,
        step.effective,
        step.permitted,
        step.inheritable,
        step.ambient,
      ];
    case 'env':
      return [step.op, ...list(step.vars)];
    case 'exec':
    case 'exit-command':
      return [step.op, ...list(step.args)];
    case 'log':
      return [step.op, step.path, String(step.maxBytes)];
    case 'attach-socket':
    case 'exit-file':
    case 'clone-into-cgroup':
    case 'wait-start':
    case 'console-socket':
      return [step.op, step.path];
    case 'join-pidns':
      return [step.op, String(step.pid)];
    case 'join':
      return [step.op, String(step.pid), step.types.join(',')];
    case 'console':
    case 'wait-go':
    case 'detach':
    case 'setsid':
    case 'loopback-up':
    case 'pivot-root':
    case 'no-new-privileges':
    case 'hand-off':
      return [step.op];
  }
}
