/**
 * root's password for a bootstrapped tree, SHA-512-crypt hashed (`$6$`, as
 * Debian's passwd writes it) by `openssl passwd -6` on the host: a
 * well-kept implementation, and the host's, so it works whatever the
 * tree's architecture (nothing runs inside the tree). The password goes to
 * openssl on stdin, never on a command line others could read.
 */
import { execFileSync } from 'node:child_process';
import { ContainerError } from '../errors.js';

export function hashPassword(password: string, salt?: string): string {
  const args = ['passwd', '-6', ...(salt === undefined ? [] : ['-salt', salt]), '-stdin'];
  try {
    return execFileSync('openssl', args, { input: password, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ContainerError("'openssl' was not found on the host: install the openssl package to set a root password");
    }
    throw new ContainerError(`hashing the root password with openssl failed: ${(error as Error).message.split('\n')[0]}`);
  }
}
