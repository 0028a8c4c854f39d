/** OCI bundles for crun and runc: each runtime's own `spec` output, edited to run a command (/bin/true) on the busybox tree. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

interface Config {
  root?: { path: string; readonly?: boolean };
  process?: { args?: string[]; terminal?: boolean };
}

/** Makes DIR/config.json with `RUNTIME spec` running args (default /bin/true); root.path is the tree itself, not a copy. */
export function makeBundle(runtime: string, dir: string, root: string, args: string[] = ['/bin/true']): void {
  mkdirSync(dir, { recursive: true });
  const made = spawnSync(runtime, ['spec'], { cwd: dir, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`${runtime} spec failed: ${made.stderr.trim()}`);
  const path = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as Config;
  config.root = { path: root, readonly: false };
  config.process = { ...config.process, args, terminal: false };
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * Registers removal of any container of ours that `RUNTIME run` left
 * behind (a run cut short by a signal). wrap puts the runtime's commands
 * where it can run (crun's private mount namespace).
 */
export function deleteLeftoversAtCleanup(runtime: string, idPrefix: string, wrap: (argv: string[]) => string[]): void {
  onCleanup(`${runtime} containers`, () => {
    const run = (args: string[]) => {
      const [file, ...rest] = wrap([runtime, ...args]);
      return spawnSync(file ?? runtime, rest, { encoding: 'utf8', timeout: 30_000 });
    };
    const listed = run(['list', '-q']);
    const ours = listed.stdout.split('\n').map((id) => id.trim()).filter((id) => id.startsWith(idPrefix));
    for (const id of ours) {
      const deleted = run(['delete', '-f', id]);
      if (deleted.status !== 0) process.stderr.write(`bench: ${runtime} delete -f ${id} failed: ${deleted.stderr.trim()}\n`);
    }
  });
}
