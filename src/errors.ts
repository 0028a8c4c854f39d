/**
 * The one error type the runtime throws for its own failures: bad input, a
 * host that lacks something, a set-up step that failed. Its message is a
 * single line that says what was wrong and what to do; the CLI prints it
 * after "ts-nspawn: " and exits with `exitCode` (125 unless the failure is
 * the command's: 126 not executable, 127 not found).
 */
export class ContainerError extends Error {
  override readonly name: string = 'ContainerError';

  constructor(
    message: string,
    readonly exitCode: number = 125,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function fail(message: string, exitCode = 125): never {
  throw new ContainerError(message, exitCode);
}
