/**
 * `bootstrap(options)`: creates a bootable Debian tree with mmdebstrap (or
 * debootstrap), atomically. The tree is built in a sibling `DIR.tmp-XXXXXX`
 * (same parent, so the final rename is atomic), configured
 * (configure.ts), and renamed onto DIR only when complete; on failure or
 * abort the temporary tree is unmounted and removed, so DIR is never left
 * half-made. With `force` an existing tree is moved aside and removed only
 * after the new one is in place.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, realpathSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ContainerError } from '../errors.js';
import { hostDebianMirror } from './apt-sources.js';
import { debootstrapArgs, mmdebstrapArgs } from './command.js';
import { configureTree } from './configure.js';
import { findExecutable, hostArchitecture, hostCodename, hostDefaultSuite } from './host.js';
import { hostMountsUnder, removeTree, unmountUnder } from './mounts.js';
import { resolveBootstrap, type BootstrapOptions, type ResolvedBootstrap, type BootstrapTool, type HostFacts } from './options.js';
import { ProgressTracker } from './progress.js';

/** Exit status for a bootstrap stopped by a signal (as a shell reports SIGINT). */
export const INTERRUPTED = 130;

/** How long a stopped tool gets to clean up before it is killed. */
const KILL_GRACE_MS = 10_000;

export async function bootstrap(options: BootstrapOptions): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new ContainerError("bootstrap needs root: run it as root (the tree's files must belong to root)");
  }
  const plan = resolveBootstrap(options, hostFacts());
  const tool = chooseTool(options.tool);
  checkTarget(plan);
  if (options.signal?.aborted) throw interrupted('resolving');

  let temp: string;
  try {
    mkdirSync(dirname(plan.directory), { recursive: true });
    temp = mkdtempSync(`${plan.directory}.tmp-`);
  } catch (error) {
    throw new ContainerError(`cannot create a directory beside '${plan.directory}' to build the tree in: ${messageOf(error)}`);
  }
  const logFile = options.logFile ?? join(tmpdir(), `ts-nspawn-bootstrap-${basename(plan.directory)}-${randomBytes(4).toString('hex')}.log`);
  const tracker = new ProgressTracker(tool.name, options.onProgress);
  tracker.enter('resolving', `${tool.name} ${plan.suite}/${plan.arch} (${plan.variant}) from ${plan.mirror}`);

  try {
    const status = await runTool(tool, plan, temp, logFile, tracker, options.signal);
    if (options.signal?.aborted) throw interrupted(tracker.phase);
    if (status !== 0) {
      const why = tracker.errorLine() ?? `${tool.name} exited with status ${status}`;
      throw new ContainerError(`bootstrap failed while ${tracker.phase}: ${why} (full log: ${logFile})`);
    }
    tracker.enter('configuring', 'configuring the tree');
    try {
      unmountUnder(temp);
      checkTree(temp);
      configureTree(temp, {
        hostname: plan.hostname,
        autologin: plan.autologin,
        ...(plan.rootPassword !== undefined ? { rootPassword: plan.rootPassword } : {}),
      });
    } catch (error) {
      throw new ContainerError(`bootstrap failed while configuring: ${messageOf(error)} (full log: ${logFile})`, 125, { cause: error });
    }
    if (options.signal?.aborted) throw interrupted('configuring');
    tracker.enter('configuring', `moving the tree to ${plan.directory}`);
    install(temp, plan);
  } catch (error) {
    // Keep our log only when the message points to it.
    if (options.logFile === undefined && !(error instanceof Error && error.message.includes(logFile))) {
      rmSync(logFile, { force: true });
    }
    let leftover = '';
    try {
      removeTree(temp);
    } catch (cleanup) {
      leftover = ` (and the partial tree could not be removed: ${messageOf(cleanup)})`;
    }
    if (error instanceof ContainerError) {
      throw leftover ? new ContainerError(error.message + leftover, error.exitCode, { cause: error }) : error;
    }
    throw new ContainerError(`bootstrap failed while ${tracker.phase}: ${messageOf(error)}${leftover}`, 125, { cause: error });
  }
  if (options.logFile === undefined) rmSync(logFile, { force: true });
}

function hostFacts(): HostFacts {
  return {
    defaultSuite: hostDefaultSuite(),
    arch: hostArchitecture(),
    findMirror: (suite) => {
      const codename = hostCodename();
      return hostDebianMirror(codename ? [suite, codename] : [suite])?.uri;
    },
  };
}

export interface Tool {
  name: BootstrapTool;
  path: string;
}

/** The tool to run: `wanted`, or mmdebstrap if installed, else debootstrap. */
export function chooseTool(wanted: BootstrapTool | undefined, find: (name: string) => string | undefined = findExecutable): Tool {
  const names: BootstrapTool[] = wanted ? [wanted] : ['mmdebstrap', 'debootstrap'];
  for (const name of names) {
    const path = find(name);
    if (path) return { name, path };
  }
  if (wanted) throw new ContainerError(`${wanted} is not installed: install it with 'apt-get install ${wanted}'`);
  throw new ContainerError("neither mmdebstrap nor debootstrap is installed: install mmdebstrap with 'apt-get install mmdebstrap'");
}

/** DIR must be missing or an empty directory (any directory with force), with nothing mounted in it. */
function checkTarget(plan: ResolvedBootstrap): void {
  const dir = plan.directory;
  let stat;
  try {
    stat = lstatSync(dir);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new ContainerError(`'${dir}' exists and is not a directory: choose another path for the tree`);
  const mounts = hostMountsUnder(dir);
  if (mounts.includes(realpathSync(dir))) {
    throw new ContainerError(`'${dir}' is a mount point, which the finished tree cannot be renamed onto: bootstrap into a directory inside it`);
  }
  if (mounts.length > 0) {
    throw new ContainerError(
      `'${mounts[mounts.length - 1]}' is mounted (is a container running from '${dir}'?): stop it, or bootstrap into a directory with nothing mounted in it`,
    );
  }
  if (readdirSync(dir).length > 0 && !plan.force) {
    throw new ContainerError(`'${dir}' exists and is not empty: choose a new directory, or pass --force to replace it once the new tree is complete`);
  }
}

function checkTree(root: string): void {
  try {
    lstatSync(join(root, 'sbin/init'));
  } catch {
    throw new ContainerError('the new tree has no /sbin/init: systemd-sysv was not installed');
  }
}

/** Runs the tool into `target` with its output in `logFile` and followed by `tracker`; resolves with its exit status. */
function runTool(
  tool: Tool,
  plan: ResolvedBootstrap,
  target: string,
  logFile: string,
  tracker: ProgressTracker,
  signal: AbortSignal | undefined,
): Promise<number> {
  let file = tool.path;
  let args = tool.name === 'mmdebstrap' ? mmdebstrapArgs(plan, target) : debootstrapArgs(plan, target);
  // debootstrap mounts /proc and /sys in the tree: keep them out of the host's mount table.
  const unshare = tool.name === 'debootstrap' ? findExecutable('unshare') : undefined;
  if (unshare) [file, args] = [unshare, ['--mount', '--propagation', 'private', '--', file, ...args]];

  const log = openSync(logFile, 'w', 0o600);
  writeSync(log, `# ${[file, ...args].join(' ')}\n`);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(file, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANGUAGE: '', DEBIAN_FRONTEND: 'noninteractive' },
    });
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const onData = (chunk: Buffer) => {
      writeSync(log, chunk);
      tracker.write(chunk.toString('utf8'));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    signal?.addEventListener('abort', stop, { once: true });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', stop);
      closeSync(log);
      reject(new ContainerError(`cannot run ${tool.name}: ${error.message}`));
    });
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', stop);
      if (killTimer) clearTimeout(killTimer);
      tracker.end();
      writeSync(log, `# exit status ${code ?? `signal ${killedBy}`}\n`);
      closeSync(log);
      resolve(code ?? 128);
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Puts the finished tree at DIR; with force, the old tree goes only once the new one is there. */
function install(temp: string, plan: ResolvedBootstrap): void {
  const dir = plan.directory;
  let exists = true;
  try {
    lstatSync(dir);
  } catch {
    exists = false;
  }
  if (!exists || readdirSync(dir).length === 0) {
    // rename(2) replaces an empty directory atomically.
    renameSync(temp, dir);
    return;
  }
  if (!plan.force) throw new ContainerError(`'${dir}' is no longer empty: something wrote to it during the bootstrap`);
  if (hostMountsUnder(dir).length > 0) throw new ContainerError(`something was mounted under '${dir}' during the bootstrap: not replacing it`);
  // An empty placeholder that rename(2) replaces: a name nobody else has.
  const old = mkdtempSync(`${dir}.old-`);
  renameSync(dir, old);
  try {
    renameSync(temp, dir);
  } catch (error) {
    renameSync(old, dir);
    throw error;
  }
  try {
    removeTree(old);
  } catch (error) {
    throw new ContainerError(`the new tree is in place at '${dir}' but the old one could not be removed: remove '${old}' by hand (${messageOf(error)})`);
  }
}

function interrupted(phase: string): ContainerError {
  return new ContainerError(`bootstrap interrupted while ${phase}: the partial tree was removed`, INTERRUPTED);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
