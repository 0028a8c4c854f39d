/**
 * The one error type the runtime throws for its own failures: bad input, a
 * host that lacks something, a set-up step that failed. Its message is a
 * single line that says what was wrong and what to do; the CLI prints it
 * after "ts-nspawn: " and exits with `exitCode` (125 unless the failure is
 * the command's: 126 not executable, 127 not found).
 *
 * Besides the message it carries the failure as data, for programs: a
 * stable `code`, and where known the executor `step`, the `errno`, the
 * `path` involved and the `container` name.
 */

/**
 * Stable failure codes. Programs may switch on these; messages may change.
 * Add a code here rather than reusing one whose meaning differs.
 */
export type ErrorCode =
  /** A failure that has no more specific code yet. */
  | 'failed'
  /** The spec (or the options it was built from) is invalid; `problems` lists why. */
  | 'invalid-spec'
  /** The host lacks something the container needs (root, a directory, a bridge, a kernel feature). */
  | 'host'
  /** A set-up step of the executor failed; `step` and usually `errno` say which and why. */
  | 'step-failed'
  /** The executor could not be started or ended unexpectedly. */
  | 'executor'
  /** The container's command does not exist (exit 127). */
  | 'command-not-found'
  /** The container's command cannot be executed (exit 126). */
  | 'command-not-executable'
  /** A container name (or an argument) that cannot be used: not a name, or not UTF-8 text. */
  | 'invalid-name'
  | 'invalid-argument'
  /** No container of that name. */
  | 'not-found'
  /** The container is not running (or its recorded PID 1 is not its own). */
  | 'not-running'
  /** The container is paused (its cgroup frozen): resume it first. */
  | 'paused'
  /** The container is not paused, so it cannot be resumed. */
  | 'not-paused'
  /** The container's processes still run: it cannot be removed without -f. */
  | 'running'
  /** The container's stored record fails its schema: reported, never acted on. */
  | 'corrupt';

export interface ContainerErrorOptions {
  code: ErrorCode;
  /** What the CLI exits with; default 125. */
  exitCode?: number;
  /** The executor step that failed (its opcode, e.g. `mount`). */
  step?: string;
  /** The errno of the failing system call. */
  errno?: number;
  /** The file, directory or spec field involved. */
  path?: string;
  /** The container's name. */
  container?: string;
  cause?: unknown;
}

export class ContainerError extends Error {
  override readonly name: string = 'ContainerError';
  readonly code: ErrorCode;
  readonly exitCode: number;
  declare readonly step?: string;
  declare readonly errno?: number;
  declare readonly path?: string;
  declare readonly container?: string;

  constructor(message: string, options: ContainerErrorOptions);
  /** The older form, kept while callers migrate: code `failed`. */
  constructor(message: string, exitCode?: number, options?: { cause?: unknown });
  constructor(message: string, second?: ContainerErrorOptions | number, third?: { cause?: unknown }) {
    const options: ContainerErrorOptions =
      typeof second === 'object' ? second : { code: 'failed', exitCode: second, cause: third?.cause };
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = options.code;
    this.exitCode = options.exitCode ?? 125;
    // Only the fields that are known (declared, not initialised), so a logged error shows no undefined noise.
    if (options.step !== undefined) this.step = options.step;
    if (options.errno !== undefined) this.errno = options.errno;
    if (options.path !== undefined) this.path = options.path;
    if (options.container !== undefined) this.container = options.container;
  }
}

export function fail(message: string, exitCode = 125): never {
  throw new ContainerError(message, exitCode);
}
