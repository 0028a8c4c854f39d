/**
 * Running a container from an OCI spec: preflight checks, the plan, the
 * executor, host-side set-up at the sync point, and teardown of whatever
 * the host side made once PID 1 is gone.
 */
import type { Readable, Writable } from 'node:stream';
import { constants } from 'node:os';
import { attachToBridge, removeVeth } from '../network/bridge.js';
import { compilePlan, type SupervisionOptions } from '../plan/compile.js';
import type { Spec } from '../spec/oci.js';
import { ExecutorSession, type ExitStatus, type Stdio } from './executor.js';
import { bridgeOf, machineOf } from './network-settings.js';
import { preflight } from './preflight.js';

export type { ExitStatus, Stdio } from './executor.js';

export interface StartOptions {
  /** stdio of the container (or of its console relay): inherited by default. */
  stdio?: Stdio;
  /** Console escape (Ctrl-] x3 kills the container); only with a console. */
  escape?: 'kill' | 'none';
  /** Signals passed on to PID 1; defaults to INT, TERM, HUP, QUIT, USR1, USR2 unchanged. */
  forwardSignals?: SupervisionOptions['forwardSignals'];
}

const DEFAULT_FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export function defaultForwardedSignals(): Array<[number, number]> {
  return DEFAULT_FORWARDED.map((name) => [constants.signals[name], constants.signals[name]]);
}

/** A container whose command is running. */
export class RunningContainer {
  /** Resolves when PID 1 has ended and the host side is torn down. */
  readonly exited: Promise<ExitStatus>;

  constructor(
    private readonly session: ExecutorSession,
    /** PID 1 of the container, as the host sees it. */
    readonly pid: number,
    teardown: () => Promise<void>,
  ) {
    this.exited = session.exited.finally(teardown);
  }

  get stdin(): Writable | null {
    return this.session.child.stdin;
  }

  get stdout(): Readable | null {
    return this.session.child.stdout;
  }

  get stderr(): Readable | null {
    return this.session.child.stderr;
  }

  /** Sends a signal to the supervisor, which forwards it to PID 1 if it is one of the forwarded signals. */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): void {
    this.session.signal(signal);
  }
}

export async function startContainer(spec: Spec, options: StartOptions = {}): Promise<RunningContainer> {
  await preflight(spec);
  const network = bridgeOf(spec);
  const plan = compilePlan(spec, {
    escape: options.escape,
    forwardSignals: options.forwardSignals ?? defaultForwardedSignals(),
    waitForHost: network !== undefined,
  });
  const session = new ExecutorSession(plan, options.stdio);
  const hostInterfaces: string[] = [];
  const teardown = async () => {
    await Promise.all(hostInterfaces.map(removeVeth));
  };
  try {
    const pid = await Promise.race([session.initPid, session.started.then(() => session.initPid)]);
    if (network) {
      try {
        hostInterfaces.push(await attachToBridge(pid, machineOf(spec), network));
      } catch (error) {
        session.abort();
        throw error;
      }
      session.go();
    }
    await session.started;
    return new RunningContainer(session, pid, teardown);
  } catch (error) {
    await session.exited.catch(() => {});
    await teardown();
    throw error;
  }
}

/** Starts the container and waits for PID 1 to end. */
export async function runContainer(spec: Spec, options: StartOptions = {}): Promise<ExitStatus> {
  const container = await startContainer(spec, options);
  return container.exited;
}
