/** Drives a command through a real pseudo-terminal (test/helpers/pty-relay.py). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RELAY = fileURLToPath(new URL('./pty-relay.py', import.meta.url));

export class PtySession {
  readonly child: ChildProcess;
  /** Everything the terminal showed so far. */
  transcript = '';
  readonly exited: Promise<number | null>;

  constructor(command: string[], { rows = 24, cols = 80 } = {}) {
    this.child = spawn('python3', [RELAY, String(rows), String(cols), '--', ...command], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.transcript += chunk));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  send(keys: string): void {
    this.child.stdin?.write(keys);
  }

  /** Waits until the transcript (after `from`) matches; fails with the transcript on time-out. */
  async expect(pattern: RegExp | string, { timeoutMs = 10_000, from = 0 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const matches = () => {
      const text = this.transcript.slice(from);
      return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
    };
    while (!matches()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${pattern}; the console showed:\n${this.transcript}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Kills the relay (and so the terminal) if still running. */
  close(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
