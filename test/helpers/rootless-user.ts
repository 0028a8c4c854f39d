/**
 * A throw-away ordinary user for rootless tests: made with useradd, given
 * a subordinate range in /etc/subuid and /etc/subgid, removed afterwards
 * with both files put back byte for byte (useradd may add a range of its
 * own; that goes too). The built CLI is copied where the user can reach
 * it, since the checkout may sit in a directory only root can enter.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, type CliResult } from './cli.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ID_FILES = ['/etc/subuid', '/etc/subgid'] as const;

export interface RootlessUser {
  name: string;
  uid: number;
  gid: number;
  /** The first ID of its subordinate range (as many IDs as RANGE_COUNT). */
  base: number;
  /** Its XDG_RUNTIME_DIR (0700, its own). */
  runtimeDir: string;
  /** A HOME of its own (for tools that keep state there, such as podman). */
  homeDir: string;
  /** A copy of the CLI it can run. */
  cli: string;
  /** Puts /etc/subuid and /etc/subgid back as they were (no range: only the user is mapped), or with the range again. */
  setRange(present: boolean): void;
  run(args: string[], options?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<CliResult>;
  remove(): void;
}

export const RANGE_COUNT = 65536;

/** A copy of what bin/ts-nspawn needs (launcher, compiled CLI, executor, share/run-host) in a directory anyone may read. */
function copyCli(into: string): string {
  for (const dir of ['bin', 'build', 'dist']) mkdirSync(join(into, dir), { recursive: true });
  // The compiled CLI finds share/ beside its package, as it finds the executor.
  cpSync(join(REPO, 'share/run-host'), join(into, 'share/run-host'), { recursive: true });
  copyFileSync(join(REPO, 'bin/ts-nspawn'), join(into, 'bin/ts-nspawn'));
  chmodSync(join(into, 'bin/ts-nspawn'), 0o755);
  copyFileSync(join(REPO, 'build/ts-nspawn-executor'), join(into, 'build/ts-nspawn-executor'));
  chmodSync(join(into, 'build/ts-nspawn-executor'), 0o755);
  if (existsSync(join(REPO, 'build/cli/ts-nspawn'))) {
    cpSync(join(REPO, 'build/cli'), join(into, 'build/cli'), { recursive: true, verbatimSymlinks: true });
  } else {
    // Node.js runs the unbundled CLI; it has no dependencies at run time.
    cpSync(join(REPO, 'dist'), join(into, 'dist'), { recursive: true });
    copyFileSync(join(REPO, 'package.json'), join(into, 'package.json'));
  }
  execFileSync('chmod', ['-R', 'a+rX', into]);
  return join(into, 'bin/ts-nspawn');
}

export function makeRootlessUser(): RootlessUser {
  const saved = ID_FILES.map((file) => ({ file, text: readFileSync(file), stat: statSync(file) }));
  const name = `tsnrl${process.pid}`;
  const home = mkdtempSync(join(tmpdir(), 'tsn-rootless-'));
  chmodSync(home, 0o755);
  let created = false;
  const restore = () => {
    for (const { file, text, stat } of saved) {
      writeFileSync(file, text);
      chmodSync(file, stat.mode & 0o7777);
      utimesSync(file, stat.atime, stat.mtime);
    }
  };
  try {
    execFileSync('useradd', ['--no-create-home', '--shell', '/bin/sh', name]);
    created = true;
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    // Far above the usual useradd ranges: no other user's range overlaps.
    const base = 3_000_000_000;
    const setRange = (present: boolean) => {
      restore();
      if (!present) return;
      for (const { file, text } of saved) writeFileSync(file, `${text}${text.length && !text.toString().endsWith('\n') ? '\n' : ''}${name}:${base}:${RANGE_COUNT}\n`);
    };
    setRange(true);
    const runtimeDir = join(home, 'runtime');
    mkdirSync(runtimeDir, { mode: 0o700 });
    chownSync(runtimeDir, uid, gid);
    const homeDir = join(home, 'home');
    mkdirSync(homeDir, { mode: 0o700 });
    chownSync(homeDir, uid, gid);
    const cli = copyCli(join(home, 'cli'));
    const user: RootlessUser = {
      name,
      uid,
      gid,
      base,
      runtimeDir,
      homeDir,
      cli,
      setRange,
      run(args, options = {}) {
        const env = { XDG_RUNTIME_DIR: runtimeDir, PATH: '/usr/bin:/bin', ...options.env };
        const assignments = Object.entries(env).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`]));
        // env -i: nothing of root's environment (TS_NSPAWN_STATE_DIR, HOME) leaks into the user's run.
        const child = spawn('runuser', ['-u', name, '--', 'env', '-i', ...assignments, cli, ...args], { cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
        return collect(child, { timeoutMs: options.timeoutMs ?? 30_000 });
      },
      remove() {
        try {
          execFileSync('userdel', [name]);
        } finally {
          restore();
          rmSync(home, { recursive: true, force: true });
        }
      },
    };
    return user;
  } catch (error) {
    if (created) execFileSync('userdel', [name]);
    restore();
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}
