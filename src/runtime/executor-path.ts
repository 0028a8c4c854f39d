/** Where the C executor is: built by `npm ci` (make -C executor) into build/. */
import { pathOfFileUrl } from '../host/file-url.js';
import { accessSync, constants } from 'node:fs';
import { ContainerError } from '../errors.js';

// Both src/runtime/ and dist/runtime/ sit two levels below the package root.
const EXECUTOR = pathOfFileUrl(new URL('../../build/ts-nspawn-executor', import.meta.url));

export function executorPath(): string {
  const override = process.env.TS_NSPAWN_EXECUTOR;
  const path = override || EXECUTOR;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new ContainerError(`the executor ${path} is missing: build it with 'npm ci' (or 'make -C executor'; needs a C compiler)`);
  }
  return path;
}
