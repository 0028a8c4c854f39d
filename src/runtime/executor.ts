/**
 * Starts the C executor on a plan and speaks its control protocol
 * (docs/executor.md): the plan goes out on fd 3, then `pid`, `started`,
 * `error`, `escape` and `exit` lines come back and `go`/`abort` go out.
 */
import { ContainerError } from '../errors.js';
import type { OutOfMemory } from '../state/record.js';
import { encodePlan } from '../plan/encode.js';
import { describeStep, type Plan } from '../plan/steps.js';
import { isUserNamespaceRefusal, userNamespaceRefused } from '../host/user-namespaces.js';
import { executorPath } from './executor-path.js';
import { spawnExecutor, type ExecutorProcess, type Stdio } from './executor-process.js';

/** How the container's PID 1 ended. */
export interface ExitStatus {
  /** Exit code, or null when it died of a signal. */
  exitCode: number | null;
  /** Signal number that killed it, or null. */
  signal: number | null;
  /** Shell-style status: the code, or 128 + signal. */
  status: number;
  /** True when the user killed it with the console escape (Ctrl-] x3). */
  escaped: boolean;
  /** Set when the OOM killer killed processes of the container for its memory limit (PID 1 among them if status is 137). */
  outOfMemory?: OutOfMemory;
}

export type { Stdio } from './executor-process.js';

export class ExecutorSession {
  /** The executor process (the container's supervisor). */
  readonly process: ExecutorProcess;
  /** The container's PID 1 as the host sees it, once cloned. */
  readonly initPid: Promise<number>;
  /** Resolves once the command runs; rejects with the set-up failure. */
  readonly started: Promise<void>;
  /** Resolves once init waits at the create/start barrier (`wait-start`); rejects with the set-up failure. */
  readonly created: Promise<void>;
  /** Resolves with PID 1's status; rejects with a ContainerError if set-up failed. */
  readonly exited: Promise<ExitStatus>;

  private readonly hookPoints = new Map<string, { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void }>();
  private failure: ContainerError | undefined;
  private exitMessage: { code: number; signal: number } | undefined;
  private escaped = false;

  /**
   * `detached`: the executor becomes a monitor in a session of its own,
   * which outlives this process once `disconnect()` is called.
   */
  /**
   * `passFds`: our descriptors for the command's 3, 4, ... (the plan's
   * `preserve-fds` step says how many the executor takes).
   */
  constructor(
    private readonly plan: Plan,
    stdio: Stdio = 'inherit',
    { detached = false, passFds = [] }: { detached?: boolean; passFds?: readonly number[] } = {},
  ) {
    // Encoded first: a plan the executor cannot take fails here, with
    // nothing spawned that could be left waiting for it.
    const encoded = encodePlan(plan);
    const preserved = plan.find((step) => step.op === 'preserve-fds')?.count ?? 0;
    if (preserved !== passFds.length) throw new Error(`the plan passes ${preserved} descriptors, the executor would get ${passFds.length}`);
    this.process = spawnExecutor(executorPath(), { stdio, detached, passFds });
    this.process.writeControl(encoded);

    let resolvePid!: (pid: number) => void;
    let resolveStarted!: () => void;
    let rejectStarted!: (error: unknown) => void;
    let resolveCreated!: () => void;
    let rejectCreated!: (error: unknown) => void;
    this.initPid = new Promise((resolve) => (resolvePid = resolve));
    this.started = new Promise((resolve, reject) => {
      resolveStarted = resolve;
      rejectStarted = reject;
    });
    this.created = new Promise((resolve, reject) => {
      resolveCreated = resolve;
      rejectCreated = reject;
    });
    // Callers may only await `exited`; an unobserved set-up failure is reported there.
    this.started.catch(() => {});
    this.created.catch(() => {});
    for (const name of ['create', 'start']) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      promise.catch(() => {});
      this.hookPoints.set(name, { promise, resolve, reject });
    }
    const rejectReady = (error: unknown) => {
      rejectStarted(error);
      rejectCreated(error);
      for (const point of this.hookPoints.values()) point.reject(error);
    };

    readLines(this.process, (line) => {
      const [kind = '', ...fields] = line.split(' ');
      if (kind === 'pid') resolvePid(Number(fields[0]));
      else if (kind === 'started') resolveStarted();
      else if (kind === 'created') resolveCreated();
      else if (kind === 'hooks') this.hookPoints.get(fields[0] ?? '')?.resolve();
      else if (kind === 'escape') this.escaped = true;
      else if (kind === 'exit') this.exitMessage = { code: Number(fields[0]), signal: Number(fields[1]) };
      else if (kind === 'error') {
        this.failure = this.stepFailure(fields);
        rejectReady(this.failure);
      }
    });

    this.exited = this.process.ended.then(
      ({ code, signal: signalName }) => {
        if (this.failure) throw this.failure;
        if (!this.exitMessage) {
          const failure = new ContainerError(
            `the executor ended unexpectedly (${signalName ?? `exit status ${code}`}) before the container finished`,
            { code: 'executor' },
          );
          rejectReady(failure);
          throw failure;
        }
        const { code: exitCode, signal } = this.exitMessage;
        const ended = new ContainerError(`the container ended (${signal ? `signal ${signal}` : `exit status ${exitCode}`}) before its hooks ran`);
        for (const point of this.hookPoints.values()) point.reject(ended);
        resolveStarted();
        rejectCreated(new ContainerError(`the container ended (${signal ? `signal ${signal}` : `exit status ${exitCode}`}) before it was created`));
        return {
          exitCode: signal ? null : exitCode,
          signal: signal || null,
          status: signal ? 128 + signal : exitCode,
          escaped: this.escaped,
        };
      },
      (error: Error) => {
        const failure = new ContainerError(`cannot start the executor: ${error.message}`, { code: 'executor', cause: error });
        rejectReady(failure);
        throw failure;
      },
    );
  }

  /** Let init continue past the `wait-go` sync point. */
  go(): void {
    this.process.writeControl('go\n');
  }

  /** Resolves when init waits at the hook point `name` (`wait-hooks`); rejects with the set-up failure. */
  hookPoint(name: 'create' | 'start'): Promise<void> {
    return this.hookPoints.get(name)!.promise;
  }

  /** Let init go on from a hook point. */
  resume(): void {
    this.process.writeControl('resume\n');
  }

  /** Leave a detached monitor running on its own. */
  disconnect(): void {
    this.process.closeControl();
    this.process.unref();
  }

  /** Host-side set-up failed: the executor kills init and exits. */
  abort(): void {
    this.process.writeControl('abort\n');
  }

  /** Signal the supervisor, which passes forwarded signals on to PID 1. */
  signal(signal: NodeJS.Signals | number): void {
    if (this.process.running()) this.process.kill(signal);
  }

  /** Turns `error INDEX OPCODE ERRNO DETAIL` into a one-line explanation. */
  private stepFailure([indexText = '', opcode = '', errnoText = '', ...detailWords]: string[]): ContainerError {
    const index = Number(indexText);
    const errno = Number(errnoText);
    const detail = detailWords.join(' ');
    const step = this.plan[index];
    const reason = errno ? errnoDescription(errno) : detail;
    const data = { step: opcode, ...(errno ? { errno } : {}), ...(detail ? { path: detail } : {}) };
    // The create/start barrier looks the command up before it waits: its failures are the command's.
    const barrierLookup = step?.op === 'wait-start' && detail !== step.path;
    if (step?.op === 'exec' || barrierLookup) {
      const command = step.op === 'exec' ? (step.args[0] ?? '') : detail;
      if (errno === 2) {
        return new ContainerError(`command '${command}' not found in the container: check the path or the container's PATH`, {
          code: 'command-not-found',
          exitCode: 127,
          ...data,
        });
      }
      return new ContainerError(`cannot execute '${command}' in the container: ${reason}`, { code: 'command-not-executable', exitCode: 126, ...data });
    }
    // Said by the clone rather than probed before it: a probe would cost every start a process.
    if (step?.op === 'namespaces' && step.types.includes('user') && isUserNamespaceRefusal(errno)) return userNamespaceRefused(reason);
    const what = step ? describeStep(step) : opcode === 'plan' ? 'reading the plan' : opcode;
    const extra = errno && detail && !what.includes(detail) ? ` (${detail})` : '';
    return new ContainerError(`setting up the container failed while ${what}: ${reason}${extra}`, { code: 'step-failed', ...data });
  }
}

function errnoDescription(errno: number): string {
  // node:util loaded on use, like node:child_process (milliseconds of a start under Bun).
  const entry = process.getBuiltinModule('node:util').getSystemErrorMap().get(-errno);
  return entry ? `${entry[1]} (${entry[0]})` : `errno ${errno}`;
}

function readLines(process: ExecutorProcess, onLine: (line: string) => void): void {
  let buffered = '';
  process.readControl((chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      // Nothing may throw out of a stream handler: that would end the process, past every caller's catch.
      try {
        onLine(line);
      } catch (error) {
        queueMicrotask(() => console.error(`ts-nspawn: cannot handle the executor's message ${JSON.stringify(line.slice(0, 200))}: ${String(error)}`));
      }
    }
  });
}
