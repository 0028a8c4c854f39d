/**
 * The user-mode network helper of a running container: what the host
 * needs for it, starting it, and finding it to stop it.
 *
 * It is started from the host side while init waits at the `go` sync
 * point (as a bridge's veth is attached), so the container's interface is
 * up before its command runs. The runtime opens init's network namespace
 * (and user namespace, when it has its own) itself and hands them to the
 * helper as descriptors (/proc/self/fd/N): no PID it could mistake, and
 * pasta, which drops privileges before it opens what it is given, needs
 * none to open them. Rootless, init is still the user's own process then
 * (the executor makes it non-dumpable only once it is released).
 *
 * Neither helper ends with the container (each holds the network
 * namespace open), so it is recorded in the container's record as soon as
 * its PID is known and stopped when the container's host resources are
 * released: by the foreground run, the monitor's exit hook, or a later
 * list/gc. Run detached from the CLI, it outlives a CLI that exits.
 */
import { accessSync, closeSync, constants, openSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { delimiter } from 'node:path';
import { ContainerError } from '../errors.js';
import { identify, type ProcessIdentity } from '../state/process-identity.js';
import { pastaArguments, type HelperTarget } from './pasta.js';
import { hostForwardRequest, slirpArguments, slirpRequest } from './slirp4netns.js';
import { HELPER_PACKAGE, slirpOptions, type UserNetwork, type UserNetworkHelper } from './user-network.js';

export const TUN_DEVICE = '/dev/net/tun';
const START_TIMEOUT_MS = 10_000;
const STANDARD_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];
/** sun_path holds 108 bytes with its NUL. */
const SOCKET_PATH_MAX = 107;

/** The command names a helper runs under (pasta executes passt.avx2 where the CPU has AVX2). */
const HELPER_COMMANDS = new Set(['pasta', 'pasta.avx2', 'passt', 'passt.avx2', 'slirp4netns']);

export interface HelperFiles {
  /** Where pasta writes its PID once the container's interface is up. */
  pidFile: string;
  /** The helper's messages (stdout and stderr). */
  log: string;
  /** slirp4netns's API socket (made only when ports are published). */
  apiSocket: string;
}

/** The helper's program; a one-line error naming the package when it is not installed. */
export function helperProgram(helper: UserNetworkHelper): string {
  const path = findProgram(helper);
  if (path) return path;
  throw new ContainerError(`--network=${helper} needs ${helper}, which is not installed: install the ${HELPER_PACKAGE[helper]} package`, { code: 'host', path: helper });
}

/** util-linux's unshare, which runs slirp4netns as root in a private mount namespace. */
function unshareProgram(): string {
  const path = findProgram('unshare');
  if (path) return path;
  throw new ContainerError('--network=slirp4netns needs unshare as root, which is not installed: install the util-linux package', { code: 'host', path: 'unshare' });
}

function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir.startsWith('/')), ...STANDARD_DIRS];
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * What the helper needs from the host, checked before anything is set up:
 * its program, and a /dev/net/tun it may open (both helpers make the
 * container's interface with it). Many hosts leave the node 0600, root's.
 */
export function checkUserNetworkHost(network: UserNetwork, rootless: boolean): void {
  helperProgram(network.helper);
  if (network.helper === 'slirp4netns' && !rootless) unshareProgram();
  const flag = `--network=${network.helper}`;
  let stat;
  try {
    stat = statSync(TUN_DEVICE);
  } catch {
    stat = undefined;
  }
  if (!stat?.isCharacterDevice()) {
    throw new ContainerError(`${flag} needs ${TUN_DEVICE}, which this host does not have: load the tun module (modprobe tun)`, { code: 'host', path: TUN_DEVICE });
  }
  if (!rootless) return;
  try {
    accessSync(TUN_DEVICE, constants.R_OK | constants.W_OK);
  } catch {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new ContainerError(
      `${flag} needs ${TUN_DEVICE}, which your user may not open (mode ${mode}): as root, chmod 0666 ${TUN_DEVICE} (until the next boot), or for good a udev rule such as KERNEL=="tun", MODE="0666" in /etc/udev/rules.d/`,
      { code: 'host', path: TUN_DEVICE },
    );
  }
}

/**
 * Starts the helper for init's namespaces; resolves once the container's
 * interface is configured (and its ports published). `running` learns the
 * helper's identity as soon as it is known, to record it.
 */
export async function startUserNetwork(initPid: number, network: UserNetwork, files: HelperFiles, running: (helper: ProcessIdentity) => void): Promise<void> {
  const program = helperProgram(network.helper);
  const asRoot = (process.geteuid?.() ?? 0) === 0;
  const descriptors: number[] = [];
  const open = (path: string) => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new ContainerError(`cannot open the container's namespace ${path} for ${network.helper}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { code: 'host', path });
    }
    descriptors.push(fd);
    return fd;
  };
  try {
    // Child descriptors 3 (network) and 4 (user namespace, when init has its own).
    const netns = open(`/proc/${initPid}/ns/net`);
    const userns = ownUserNamespace(initPid) ? open(`/proc/${initPid}/ns/user`) : undefined;
    const log = openSync(files.log, 'a', 0o600);
    descriptors.push(log);
    const target: HelperTarget = { netnsPath: '/proc/self/fd/3', usernsPath: userns === undefined ? undefined : '/proc/self/fd/4', asRoot };
    const inherited = userns === undefined ? [netns] : [netns, userns];
    if (network.helper === 'pasta') await startPasta(program, network, target, files, inherited, log, running);
    else await startSlirp(program, network, target, files, inherited, log, running);
  } finally {
    for (const fd of descriptors) closeSync(fd);
  }
}

/** pasta forks to the background once the interface is up: its first process's exit is the signal. */
async function startPasta(
  program: string,
  network: UserNetwork,
  target: HelperTarget,
  files: HelperFiles,
  inherited: number[],
  log: number,
  running: (helper: ProcessIdentity) => void,
): Promise<void> {
  rmSync(files.pidFile, { force: true });
  const child = await spawnHelper(program, pastaArguments(network, target, files.pidFile), ['ignore', log, log, ...inherited]);
  const status = await exitOf(child, START_TIMEOUT_MS);
  if (status !== 0) throw helperFailure('pasta', status, files.log);
  const pid = Number(readText(files.pidFile)?.trim());
  const helper = Number.isSafeInteger(pid) && pid > 1 ? identify(pid) : undefined;
  if (!helper) throw new ContainerError(`pasta started but left no running process in ${files.pidFile}: ${lastMessage(files.log) ?? 'it said nothing'}`, { code: 'host' });
  running(helper);
  rmSync(files.pidFile, { force: true });
}

/** slirp4netns stays in the foreground: it is recorded at once, ready when it writes to --ready-fd. */
async function startSlirp(
  program: string,
  network: UserNetwork,
  target: HelperTarget,
  files: HelperFiles,
  inherited: number[],
  log: number,
  running: (helper: ProcessIdentity) => void,
): Promise<void> {
  const options = slirpOptions(network.options);
  const api = network.ports.length > 0 ? files.apiSocket : undefined;
  if (api && Buffer.byteLength(api) > SOCKET_PATH_MAX) {
    throw new ContainerError(`the path of slirp4netns's API socket for the published ports, ${api}, is longer than ${SOCKET_PATH_MAX} bytes: use a shorter state directory (TS_NSPAWN_STATE_DIR) or machine name`, { code: 'host' });
  }
  if (api) rmSync(api, { force: true });
  const readyFd = 3 + inherited.length;
  const args = slirpArguments(options, target, readyFd, api);
  // Its sandbox (as root) makes a mount namespace without making it private and unmounts the old
  // root there: the host's shared mounts (/run/netns/NAME of `ip netns`) would go with it. In a
  // private mount namespace of its own (unshare execs it: same PID) nothing propagates back.
  const [file, argv] = target.asRoot ? [unshareProgram(), ['--mount', '--propagation', 'private', '--', program, ...args]] : [program, args];
  const child = await spawnHelper(file, argv, ['ignore', log, log, ...inherited, 'pipe']);
  const helper = child.pid === undefined ? undefined : identify(child.pid);
  if (helper) running(helper);
  const ready = await readyOrExit(child, readyFd, START_TIMEOUT_MS);
  if (ready !== 'ready') throw helperFailure('slirp4netns', ready, files.log);
  for (const port of network.ports) {
    try {
      await slirpRequest(api!, hostForwardRequest(options, port));
    } catch (error) {
      const where = `${port.hostAddress ?? '0.0.0.0'}:${port.hostPort}/${port.protocol}`;
      throw new ContainerError(`publishing ${where} through slirp4netns failed: ${(error as Error).message}`, { code: 'host' });
    }
  }
}

async function spawnHelper(program: string, args: string[], stdio: Array<'ignore' | 'pipe' | number>): Promise<ChildProcess> {
  const { spawn } = await import('node:child_process');
  // Its own session: a terminal's Ctrl-C is the container's business, not the helper's.
  const child = spawn(program, args, { stdio, detached: true });
  child.unref();
  child.on('error', () => {});
  return child;
}

/** The exit status (128+N for a signal), or 'timeout' (the process is killed then). */
function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | 'timeout'> {
  return readyOrExit(child, undefined, timeoutMs) as Promise<number | 'timeout'>;
}

/**
 * 'ready' once the child writes to its descriptor READYFD (if given), its
 * exit status if it ends first, or 'timeout' (it is killed then).
 */
function readyOrExit(child: ChildProcess, readyFd: number | undefined, timeoutMs: number): Promise<'ready' | number | 'timeout'> {
  return new Promise((resolve) => {
    const stream = readyFd === undefined ? undefined : (child.stdio[readyFd] as (NodeJS.ReadableStream & { destroy(): void }) | null | undefined);
    let done = false;
    const finish = (result: 'ready' | number | 'timeout') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish('timeout');
    }, timeoutMs);
    stream?.once('data', () => finish('ready'));
    if (child.exitCode !== null || child.signalCode !== null) finish(statusOf(child.exitCode, child.signalCode));
    child.once('exit', (code, signal) => finish(statusOf(code, signal)));
    child.once('error', () => finish(127));
  });
}

function statusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? osConstants.signals[signal] : 0);
}

function helperFailure(helper: UserNetworkHelper, status: number | 'timeout', log: string): ContainerError {
  const said = lastMessage(log);
  const how = status === 'timeout' ? `did not come up within ${START_TIMEOUT_MS / 1000} s` : `failed (exit status ${status})`;
  return new ContainerError(`${helper} ${how} connecting the container's network${said ? `: ${said}` : ''}`, { code: 'host' });
}

/**
 * The helper's complaint: its last line that reads like an error (a usage
 * error comes before the usage text), else its last line; without the
 * noise of a syslog it could not reach.
 */
function lastMessage(log: string): string | undefined {
  const lines = (readText(log) ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^Failed to send \d+ bytes to syslog/.test(line) && !/^WARNING: Support for seccomp is experimental/.test(line));
  const errors = lines.filter((line) => /unrecognized|invalid|unknown|error|fail|couldn't|cannot|can't|not permitted|denied|no such/i.test(line));
  return errors.at(-1) ?? lines.at(-1);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when init is in a user namespace other than ours (rootless, private users). */
function ownUserNamespace(pid: number): boolean {
  return readlinkSync(`/proc/${pid}/ns/user`) !== readlinkSync('/proc/self/ns/user');
}

/** True if the recorded helper still runs as a helper program (never signal anything else a record names). */
export function isHelperRunning(helper: ProcessIdentity): boolean {
  const command = readText(`/proc/${helper.pid}/comm`)?.trim();
  return command !== undefined && HELPER_COMMANDS.has(command) && identify(helper.pid)?.startTime === helper.startTime;
}
