/**
 * `exec [OPTIONS] ID [COMMAND [ARG...]]` or `exec --process P.json ID`: a
 * new process in a live container, with runc's flags and rules. Engines
 * (podman's conmon, containerd's shim) call
 * `exec --pid-file F --process P.json --detach [--tty --console-socket S] ID`:
 * detached, the process keeps our stdio and goes to the caller's subreaper
 * once it runs; in the foreground we wait and exit with its status.
 * The process is the runtime's usual exec (runtime/exec.ts): the
 * container's namespaces, root, cgroup (or a sub-cgroup of it, --cgroup)
 * and seccomp filter, with the capabilities, user and no_new_privs of the
 * process given here, and the caller's descriptors 3.. with
 * --preserve-fds. A paused container is refused unless --ignore-paused:
 * then the process waits frozen, and so does exec, until it is resumed.
 * Failures exit 255 with "exec failed: ...", as runc's.
 */
import { readFileSync } from 'node:fs';
import { forwardWhileRunning } from '../../cli/foreground.js';
import { ContainerError } from '../../errors.js';
import { plainForwarding } from '../../host/signals.js';
import type { CapabilityName, Process, Spec } from '../../oci/types.js';
import { formatProblem, InvalidSpecError, validateSpec } from '../../oci/validate.js';
import { startExecProcess, type ExecSupervision, type RunningExec } from '../../runtime/exec.js';
import { isPaused } from '../../runtime/freezer.js';
import { requireContainer } from '../../runtime/lifecycle.js';
import { readStoredSpec } from '../../state/store.js';
import { checkId } from '../bundle.js';
import { RuncFailure, runcMessage, string, strings, type RuncCommand, type Values } from '../command.js';
import { preserveCount, preservedFds } from '../preserved-fds.js';
import { writePidFile } from './create.js';

export const execCommand: RuncCommand = {
  name: 'exec',
  usage:
    'exec [--process P.json] [--tty] [--detach] [--pid-file F] [--console-socket S] [--pidfd-socket S] [--cwd D] [--env K=V] [--user UID[:GID]] [--additional-gids GID] [--cap CAP] [--no-new-privs] [--apparmor P] [--process-label L] [--preserve-fds N] [--cgroup [CONTROLLER:]PATH] [--ignore-paused] ID [COMMAND [ARG...]]',
  summary: 'run a new process inside a running container',
  options: {
    'console-socket': { type: 'string' },
    'pidfd-socket': { type: 'string' },
    cwd: { type: 'string' },
    env: { type: 'string', short: 'e', multiple: true },
    tty: { type: 'boolean', short: 't' },
    user: { type: 'string', short: 'u' },
    'additional-gids': { type: 'string', short: 'g', multiple: true },
    process: { type: 'string', short: 'p' },
    detach: { type: 'boolean', short: 'd' },
    'pid-file': { type: 'string' },
    'process-label': { type: 'string' },
    apparmor: { type: 'string' },
    'no-new-privs': { type: 'boolean' },
    cap: { type: 'string', short: 'c', multiple: true },
    'preserve-fds': { type: 'string' },
    cgroup: { type: 'string', multiple: true },
    'ignore-paused': { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  trailing: true,
  async run(values, [id = '', ...command]) {
    // A bad flag value is runc's usage error (status 1), not a failed exec.
    const preserve = preserveCount(values);
    try {
      return await exec(values, checkId(id), command, preserve);
    } catch (error) {
      if (!(error instanceof ContainerError)) throw error;
      throw new RuncFailure(`exec failed: ${runcMessage(error)}`, 255);
    }
  },
};

/**
 * runc's --cgroup arguments: one PATH (every hierarchy; the only form on
 * cgroup v2), or CONTROLLER[,CONTROLLER...]:PATH for each v1 controller.
 */
export function subCgroupRequest(args: string[]): Map<string, string> | undefined {
  if (args.length === 0) return undefined;
  const request = new Map<string, string>();
  for (const arg of args) {
    const colon = arg.indexOf(':');
    if (colon < 0) {
      if (args.length !== 1) throw new ContainerError(`invalid --cgroup argument: ${arg} (missing <controller>: prefix)`);
      request.set('', arg);
      continue;
    }
    for (const controller of arg.slice(0, colon).split(',')) {
      if (controller === '') throw new ContainerError(`invalid --cgroup argument: ${arg} (empty <controller> prefix)`);
      if (request.has(controller)) throw new ContainerError(`invalid --cgroup argument(s): controller ${controller} specified multiple times`);
      request.set(controller, arg.slice(colon + 1));
    }
  }
  return request;
}

async function exec(values: Values, id: string, command: string[], preserve: number): Promise<number> {
  const record = await requireContainer(id);
  if (record.status === 'stopped') throw new ContainerError('cannot exec in a stopped container');
  const ignorePaused = values['ignore-paused'] === true;
  if (!ignorePaused && isPaused(record)) throw new ContainerError('cannot exec in a paused container (use --ignore-paused to override)');
  // Stored state is input too: a tampered config.json must not make exec run on the host.
  const { spec } = readStoredSpec(id, validateSpec);
  const processPath = string(values.process);
  if (processPath === undefined && command.length === 0) throw new ContainerError('process args cannot be empty');
  const containerProcess = checkedProcess(spec, processPath !== undefined ? readProcessFile(processPath) : processFromFlags(spec, values, command));

  const detach = values.detach === true;
  const consoleSocket = string(values['console-socket']);
  const terminal = containerProcess.terminal === true;
  if (detach && terminal && !consoleSocket) throw new ContainerError('cannot allocate tty if runc will detach without setting console socket');
  if ((!detach || !terminal) && consoleSocket) throw new ContainerError('cannot use console socket if runc will not detach or allocate tty');

  const subCgroups = subCgroupRequest(strings(values.cgroup));
  const engine: ExecSupervision = { passFds: preservedFds(preserve), pidfdSocket: string(values['pidfd-socket']), subCgroups, ignorePaused };
  const pidFile = string(values['pid-file']);
  const started = (running: RunningExec) => {
    if (pidFile) writePidFile(pidFile, running.pid);
    return running;
  };
  if (detach) {
    started(await startExecProcess(record, spec, containerProcess, { ...engine, handOff: { consoleSocket } }));
    return 0;
  }
  const status = await forwardWhileRunning(async () =>
    started(await startExecProcess(record, spec, containerProcess, { ...engine, stdio: 'inherit', escape: 'none', forwardSignals: plainForwarding() })),
  );
  return status.status;
}

/** --process FILE: an OCI `process` object, as the engines write it. */
function readProcessFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ContainerError(`cannot read the process file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ContainerError(`the process file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The container's own process (from its config.json) with the command and the flags, as runc builds it. */
function processFromFlags(spec: Spec, values: Values, command: string[]): Process {
  const base = spec.process;
  if (!base) throw new ContainerError('the container has no process settings to exec with');
  const user = { ...base.user };
  const userFlag = string(values.user);
  if (userFlag !== undefined) {
    const match = /^(\d+)(?::(\d+))?$/.exec(userFlag);
    if (!match) throw new ContainerError(`invalid --user ${JSON.stringify(userFlag)}: expected UID[:GID], as numbers`);
    user.uid = Number(match[1]);
    if (match[2] !== undefined) user.gid = Number(match[2]);
  }
  for (const gid of strings(values['additional-gids'])) {
    if (!/^\d+$/.test(gid)) throw new ContainerError(`invalid --additional-gids ${JSON.stringify(gid)}: expected a GID number`);
    user.additionalGids = [...(user.additionalGids ?? []), Number(gid)];
  }
  const capabilities = { ...base.capabilities };
  for (const name of strings(values.cap) as CapabilityName[]) {
    capabilities.bounding = [...(capabilities.bounding ?? []), name];
    capabilities.effective = [...(capabilities.effective ?? []), name];
    capabilities.permitted = [...(capabilities.permitted ?? []), name];
    // Ambient ones need inheritable ones, which --cap does not add: only where the spec has some.
    if (capabilities.inheritable) capabilities.ambient = [...(capabilities.ambient ?? []), name];
  }
  const execProcess: Process = {
    ...base,
    args: command,
    cwd: string(values.cwd) ?? base.cwd,
    env: [...(base.env ?? []), ...strings(values.env)],
    terminal: values.tty === true,
    user,
    capabilities,
  };
  if (values['no-new-privs'] !== undefined) execProcess.noNewPrivileges = values['no-new-privs'] === true;
  if (string(values.apparmor) !== undefined) (execProcess as { apparmorProfile?: string }).apparmorProfile = string(values.apparmor);
  if (string(values['process-label']) !== undefined) (execProcess as { selinuxLabel?: string }).selinuxLabel = string(values['process-label']);
  return execProcess;
}

/**
 * The process checked as part of the container's spec, by the same rules
 * as a container's own (schema, capabilities, fields not implemented);
 * duplicate environment entries collapse to the last, as runc's do.
 */
function checkedProcess(spec: Spec, candidate: unknown): Process {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw new ContainerError('invalid process: it must be a JSON object (an OCI runtime spec "process")');
  }
  let checked: Spec;
  try {
    checked = validateSpec({ ...spec, process: candidate }).spec;
  } catch (error) {
    if (!(error instanceof InvalidSpecError)) throw error;
    throw new ContainerError(`invalid process: ${error.problems.map(formatProblem).join('; ')}`);
  }
  const process = checked.process!;
  if (!process.cwd.startsWith('/')) throw new ContainerError('Cwd must be an absolute path');
  if (process.args.length === 0) throw new ContainerError('args must not be empty');
  const env = new Map((process.env ?? []).map((entry) => [entry.split('=', 1)[0], entry] as const));
  return { ...process, env: [...env.values()] };
}
