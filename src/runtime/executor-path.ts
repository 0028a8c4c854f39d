/** Where the C executor is: built by `npm ci` (make -C executor), or installed beside a standalone binary. */
import { accessSync, constants } from 'node:fs';
import { ContainerError } from '../errors.js';
import { EXECUTOR_FILE, STANDALONE } from '../host/own-files.js';

export function executorPath(): string {
  const override = process.env.TS_NSPAWN_EXECUTOR;
  const path = override || EXECUTOR_FILE;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    const fix = STANDALONE && !override
      ? 'install it there from the release (libexec/ts-nspawn/ts-nspawn-executor), keeping the bin/ and libexec/ layout'
      : "build it with 'npm ci' (or 'make -C executor'; needs a C compiler)";
    throw new ContainerError(`the executor ${path} is missing: ${fix}`);
  }
  return path;
}
