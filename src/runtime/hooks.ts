/**
 * The spec's hooks (runtime-spec config.md "POSIX-platform Hooks", the
 * lifecycle of runtime.md), each run by the executor so that `path` and
 * `args[0]` are what execve gets, in the place the spec names:
 *
 *   prestart, createRuntime   the runtime's namespaces   create, init held before pivot_root
 *   createContainer           init's namespaces, as root  same point, after them
 *   startContainer            the container, as its process   start, before the command
 *   poststart                 the runtime's namespaces   start, once the command runs
 *   poststop                  the runtime's namespaces   delete, once the container is gone
 *
 * Each gets the container's state as JSON on stdin; a `timeout` (seconds)
 * kills it. A failure of any but poststop fails the operation and the
 * container is stopped (runtime-spec 1.3: a failed poststart too, as runc
 * does); a failed poststop is a warning.
 */
import { cgroupManager } from '../cgroups/manager.js';
import { ContainerError } from '../errors.js';
import { compileHookPlan, type HookPlace } from '../plan/compile.js';
import type { Hook, HookName, Spec } from '../oci/types.js';
import type { ContainerRecord } from '../state/record.js';
import { ExecutorSession } from './executor.js';

/** runtime.md "State", as a hook reads it. */
export interface HookState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped';
  /** Left out when there is none (stopped). */
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

export function hookState(record: Pick<ContainerRecord, 'ociVersion' | 'id' | 'bundle' | 'annotations'>, status: HookState['status'], pid?: number): HookState {
  return {
    ociVersion: record.ociVersion,
    id: record.id,
    status,
    ...(pid ? { pid } : {}),
    bundle: record.bundle,
    ...(Object.keys(record.annotations).length > 0 ? { annotations: record.annotations } : {}),
  };
}

/** Where a hook's output goes when it says why it failed: its last bytes. */
const OUTPUT_TAIL = 2048;

/** Runs the hooks of `name` in order; the first failure is thrown (code `hook-failed`). */
export async function runHooks(name: HookName, hooks: readonly Hook[] | undefined, state: HookState, place: HookPlace = { kind: 'runtime' }): Promise<void> {
  for (const [index, hook] of (hooks ?? []).entries()) {
    const problem = await runHook(hook, state, place);
    if (problem) {
      throw new ContainerError(`${name} hook #${index} (${hook.path}) failed: ${problem}`, { code: 'hook-failed', path: hook.path });
    }
  }
}

/** Where warnings go (ts-runc sends them to its log). */
let warn = (message: string): void => {
  process.stderr.write(`ts-nspawn: warning: ${message}\n`);
};

export function setHookWarningSink(sink: (message: string) => void): void {
  warn = sink;
}

/** poststop: every hook runs, each failure only a warning. */
export async function runPoststopHooks(spec: Pick<Spec, 'hooks'> | undefined, state: HookState): Promise<void> {
  for (const [index, hook] of (spec?.hooks?.poststop ?? []).entries()) {
    const problem = await runHook(hook, state, { kind: 'runtime' });
    if (problem) warn(`poststop hook #${index} (${hook.path}) failed: ${problem}`);
  }
}

/** One hook: undefined when it exited 0, else why not. */
async function runHook(hook: Hook, state: HookState, place: HookPlace): Promise<string | undefined> {
  const runtimeEnv = Object.entries(process.env).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`]));
  const inContainer = place.kind !== 'runtime';
  // A process in the container goes into the cgroups its init is in, as `exec` does.
  const manager = inContainer ? cgroupManager() : undefined;
  const cgroups = manager ? manager.directoriesOf(place.kind === 'runtime' ? 0 : place.initPid) : [];
  const entry = manager?.entry(cgroups);
  let session: ExecutorSession;
  try {
    session = new ExecutorSession(compileHookPlan(hook, place, runtimeEnv, { cloneIntoCgroup: entry?.cloneInto, joinCgroups: entry?.selfJoin }), 'pipe');
  } catch (error) {
    return (error as Error).message;
  }
  const output: Buffer[] = [];
  let outputBytes = 0;
  const collect = (chunk: Buffer) => {
    output.push(chunk);
    outputBytes += chunk.length;
    while (outputBytes - (output[0]?.length ?? 0) > OUTPUT_TAIL) outputBytes -= output.shift()!.length;
  };
  session.process.stdout?.on('data', collect);
  session.process.stderr?.on('data', collect);
  session.process.stdin?.on('error', () => {}); // a hook need not read its state
  session.process.stdin?.end(`${JSON.stringify(state)}\n`);

  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const kill = async () => {
    const pid = await Promise.race([session.initPid, new Promise<number>((resolve) => setTimeout(() => resolve(0), 100))]);
    // The hook leads a session of its own (setsid): its group goes with it.
    if (pid > 1) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    session.signal('SIGKILL');
  };
  if (hook.timeout) {
    timer = setTimeout(() => {
      timedOut = true;
      void kill();
    }, hook.timeout * 1000);
  }
  try {
    const status = await session.exited;
    if (timedOut) return `it ran past its timeout of ${hook.timeout} s and was killed`;
    if (status.status === 0) return undefined;
    const said = Buffer.concat(output).toString('utf8').trim().split('\n').slice(-3).join(' / ').slice(-400);
    return `${status.signal ? `killed by signal ${status.signal}` : `exit status ${status.status}`}${said ? `: ${said}` : ''}`;
  } catch (error) {
    if (timedOut) return `it ran past its timeout of ${hook.timeout} s and was killed`;
    session.abort();
    const code = (error as ContainerError).code;
    if (code === 'command-not-found') return 'it does not exist';
    if (code === 'command-not-executable') return `it cannot be executed (${(error as Error).message.replace(/^.*: /, '')})`;
    return (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}
