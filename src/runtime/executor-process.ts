/**
 * Starting the executor process with its control channel on fd 3, in one
 * of two ways behind one small interface:
 *
 * - Bun's own `Bun.spawn`, which hands back fd 3 as a plain descriptor.
 *   Under Bun, node:child_process and the node:net socket it wraps fd 3
 *   in cost about 8 ms of a container's start, half of a whole run; this
 *   is the CLI's path.
 * - node:child_process everywhere else: on Node.js, and on Bun when the
 *   caller wants Node streams for stdio.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

export type Stdio = 'inherit' | 'pipe' | 'ignore';

export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ExecutorProcess {
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Calls `onData` with what arrives on the control channel, as text. */
  readControl(onData: (chunk: string) => void): void;
  writeControl(data: Uint8Array | string): void;
  /** Closes our end of the control channel (a monitor goes on alone). */
  closeControl(): void;
  /** Resolves when the process has ended and the control channel is drained. */
  readonly ended: Promise<ProcessEnd>;
  running(): boolean;
  kill(signal: NodeJS.Signals | number): void;
  /** Lets this process exit while the executor runs on. */
  unref(): void;
}

interface SpawnOptions {
  stdio: Stdio;
  detached: boolean;
  /** Our descriptors the executor gets as 4, 5, ... (after the control channel): `preserve-fds`. */
  passFds?: readonly number[];
}

export function spawnExecutor(path: string, options: SpawnOptions): ExecutorProcess {
  const bun = (globalThis as { Bun?: BunRuntime }).Bun;
  // A monitor's stdio is /dev/null; it leaves our session itself (setsid in `detach` mode).
  if (bun && options.stdio !== 'pipe') return new BunExecutor(bun, path, options.detached ? 'ignore' : options.stdio, options.passFds ?? []);
  return new NodeExecutor(path, options);
}

/** What both kinds of child process offer alike (Node's ChildProcess, Bun's Subprocess). */
interface ChildHandle {
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals | number): unknown;
  unref(): void;
}

abstract class ChildExecutor {
  protected abstract readonly child: ChildHandle;

  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals | number): void {
    this.child.kill(signal);
  }

  unref(): void {
    this.child.unref();
  }
}

class NodeExecutor extends ChildExecutor implements ExecutorProcess {
  protected readonly child: ChildProcess;
  private readonly control: Socket;
  readonly ended: Promise<ProcessEnd>;

  constructor(path: string, { stdio, detached, passFds = [] }: SpawnOptions) {
    super();
    const stdioOptions: StdioOptions = [...(detached ? ['ignore', 'ignore', 'ignore'] as const : [stdio, stdio, stdio]), 'pipe', ...passFds];
    // Loaded here, not at start-up: the Bun path never needs it.
    const { spawn } = process.getBuiltinModule('node:child_process');
    this.child = spawn(path, [], { stdio: stdioOptions, detached });
    this.control = this.child.stdio[3] as Socket;
    // The executor may exit while we still write (e.g. `go` after it failed).
    this.control.on('error', () => {});
    this.ended = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }
  get stdin(): Writable | null {
    return this.child.stdin;
  }
  get stdout(): Readable | null {
    return this.child.stdout;
  }
  get stderr(): Readable | null {
    return this.child.stderr;
  }

  readControl(onData: (chunk: string) => void): void {
    this.control.setEncoding('utf8');
    this.control.on('data', onData);
  }

  writeControl(data: Uint8Array | string): void {
    if (!this.control.destroyed) this.control.write(data);
  }

  closeControl(): void {
    this.control.end();
    this.control.unref();
  }

}

/** The parts of Bun's API used here (Bun's types are not a dependency). */
interface BunRuntime {
  spawn(cmd: string[], options: { stdio: [Stdio, Stdio, Stdio, 'pipe', ...number[]] }): BunSubprocess;
  file(fd: number): { stream(): ReadableStream<Uint8Array> };
}

interface BunSubprocess {
  readonly pid: number;
  readonly stdio: Array<number | null>;
  readonly exited: Promise<number>;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals | number): void;
  unref(): void;
}

class BunExecutor extends ChildExecutor implements ExecutorProcess {
  protected readonly child: BunSubprocess;
  private readonly controlFd: number;
  private controlOpen = true;
  private drained: Promise<void> = Promise.resolve();
  readonly ended: Promise<ProcessEnd>;
  readonly stdin = null;
  readonly stdout = null;
  readonly stderr = null;

  constructor(
    private readonly bun: BunRuntime,
    path: string,
    stdio: Stdio,
    passFds: readonly number[],
  ) {
    super();
    this.child = bun.spawn([path], { stdio: [stdio, stdio, stdio, 'pipe', ...passFds] });
    this.controlFd = this.child.stdio[3] ?? -1;
    this.ended = this.child.exited.then(async () => {
      await this.drained;
      this.closeControl();
      return { code: this.child.exitCode, signal: this.child.signalCode };
    });
  }

  get pid(): number {
    return this.child.pid;
  }

  readControl(onData: (chunk: string) => void): void {
    const reader = this.bun.file(this.controlFd).stream().getReader();
    const decoder = new TextDecoder();
    this.drained = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          onData(decoder.decode(value, { stream: true }));
        }
      } catch {
        // the executor is gone: nothing more to read
      }
    })();
  }

  writeControl(data: Uint8Array | string): void {
    if (!this.controlOpen) return;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      // Plans and messages are far smaller than a socket's buffer: this does not block.
      for (let written = 0; written < bytes.length; ) written += writeSync(this.controlFd, bytes, written);
    } catch {
      // the executor exited meanwhile: its status tells why
    }
  }

  closeControl(): void {
    if (!this.controlOpen) return;
    this.controlOpen = false;
    try {
      closeSync(this.controlFd);
    } catch {
      // already closed
    }
  }

}
