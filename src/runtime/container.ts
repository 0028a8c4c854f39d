/**
 * Running a container from an OCI spec, as the library and the CLI do:
 * in the foreground (`startContainer`, `runContainer`), detached under its
 * monitor (`startDetached`), or only created, held before its command until
 * `start` (`createContainer`). Each is a sequence of the phases in
 * launch.ts. A booted OS follows the boot policy (boot-policy.ts) however
 * it is run: INT/TERM ask for a shutdown, a halt exits 0, a reboot starts
 * it again -- a detached one through its monitor's exit hook.
 */
import { rmSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { Spec } from '../oci/types.js';
import { containerFile } from '../state/paths.js';
import { readStoredSpec } from '../state/store.js';
import { bootExitStatus, isRestartRequest } from './boot-policy.js';
import type { ExitStatus } from './executor.js';
import type { CgroupEnd } from './host-resources.js';
import { claim, spawn, teardown, type LaunchOptions, type Launched } from './launch.js';

export type { ExitStatus, Stdio } from './executor.js';
export { LOG_MAX_BYTES } from './launch.js';

export interface StartOptions extends LaunchOptions {
  /** The container's name; default: the spec's machine name, else its root's base name made unique. */
  name?: string;
}

/** A container in the foreground of this process. A booted OS that reboots is started again under the same name. */
export class RunningContainer {
  /** Resolves when PID 1 has ended for good (after any reboots) and the host side is torn down. */
  readonly exited: Promise<ExitStatus>;
  private current: Launched;
  private readonly pending: Array<NodeJS.Signals | number> = [];
  private restarting = false;

  constructor(first: Launched, options: StartOptions) {
    this.current = first;
    this.exited = this.follow(options);
  }

  /** The machine name (unique on this host while the container exists). */
  get name(): string {
    return this.current.record.id;
  }

  /** PID 1 of the container, as the host sees it (a new one after a reboot; 0 if it ended before it could be recorded). */
  get pid(): number {
    return this.current.record.pid;
  }

  get stdin(): Writable | null {
    return this.current.session.process.stdin;
  }

  get stdout(): Readable | null {
    return this.current.session.process.stdout;
  }

  get stderr(): Readable | null {
    return this.current.session.process.stderr;
  }

  /** Sends a signal to the supervisor, which forwards it to PID 1 if it is one of the forwarded signals. */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): void {
    if (this.restarting) this.pending.push(signal);
    else this.current.session.signal(signal);
  }

  private async follow(options: StartOptions): Promise<ExitStatus> {
    for (;;) {
      const launched = this.current;
      let end: CgroupEnd = {};
      const status = await launched.session.exited.finally(async () => {
        end = await teardown(launched);
      });
      if (end.outOfMemory) status.outOfMemory = end.outOfMemory;
      if (!launched.record.boot) return status;
      if (!isRestartRequest(status)) return bootExitStatus(status);
      this.restarting = true;
      try {
        this.current = await spawn(await claim(launched.spec, 'foreground', { name: launched.record.id }), options);
      } finally {
        this.restarting = false;
      }
      for (const signal of this.pending.splice(0)) this.current.session.signal(signal);
    }
  }
}

/** A container left running (or created) in the background under its monitor. */
export interface DetachedContainer {
  name: string;
  pid: number;
}

/** Starts a container in the foreground; resolves once its command runs. */
export async function startContainer(spec: Spec, options: StartOptions = {}): Promise<RunningContainer> {
  return new RunningContainer(await spawn(await claim(spec, 'foreground', { name: options.name }), options), options);
}

/** Starts the container and waits for PID 1 to end (for a booted OS: to halt or power off). */
export async function runContainer(spec: Spec, options: StartOptions = {}): Promise<ExitStatus> {
  return (await startContainer(spec, options)).exited;
}

/** Starts the container under a monitor and returns once its command runs. */
export async function startDetached(spec: Spec, options: Omit<StartOptions, 'stdio'> = {}): Promise<DetachedContainer> {
  const { record } = await spawn(await claim(spec, 'detached', { name: options.name }), options);
  return { name: record.id, pid: record.pid };
}

/**
 * Creates the container under a monitor, every set-up step done, its
 * process held just before its command until `startCreated` (start.ts).
 * Outlives the caller.
 */
export async function createContainer(spec: Spec, options: Omit<StartOptions, 'stdio'> = {}): Promise<DetachedContainer> {
  const { record } = await spawn(await claim(spec, 'created', { name: options.name }), options);
  return { name: record.id, pid: record.pid };
}

/**
 * Starts a stopped detached container again under the same name, keeping
 * its log: what a booted OS's `reboot` and `start` of a stopped one ask for.
 */
export async function restartDetached(name: string): Promise<DetachedContainer> {
  const spec = readStoredSpec<Spec>(name);
  rmSync(containerFile(name, 'exit'), { force: true });
  const { record } = await spawn(await claim(spec, 'detached', { sameName: name }));
  return { name: record.id, pid: record.pid };
}

