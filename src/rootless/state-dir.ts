/**
 * Where a rootless user's container state lives: $XDG_RUNTIME_DIR/ts-nspawn.
 * The runtime directory is the user's by contract (owned, mode 0700,
 * emptied at logout): what /run is for root. Without it there is no
 * fallback in /tmp: a directory there can be made first by anyone (another
 * user squatting the name would lock the user out, or worse be trusted),
 * so the user is told in one line what to set instead.
 */
import { lstatSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ContainerError } from '../errors.js';

export function rootlessStateRoot(env: NodeJS.ProcessEnv = process.env, uid = process.geteuid?.() ?? 0): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (!runtime || !isAbsolute(runtime)) {
    throw new ContainerError(`rootless state lives in $XDG_RUNTIME_DIR/ts-nspawn, and XDG_RUNTIME_DIR is ${runtime ? `not absolute ('${runtime}')` : 'not set'}: log in through a session that sets it (e.g. /run/user/${uid}), or set TS_NSPAWN_STATE_DIR`, { code: 'host' });
  }
  let stat;
  try {
    stat = lstatSync(runtime);
  } catch {
    throw new ContainerError(`XDG_RUNTIME_DIR '${runtime}' does not exist: create it (mode 0700) or log in through a session that does`, { code: 'host', path: runtime });
  }
  // Someone else's directory, or one others may write, would let them see or plant container records.
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) {
    throw new ContainerError(`XDG_RUNTIME_DIR '${runtime}' must be a directory of yours that nobody else may write (mode 0700)`, { code: 'host', path: runtime });
  }
  return join(runtime, 'ts-nspawn');
}
