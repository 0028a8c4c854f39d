/**
 * Rootless, a command that makes a container (run, boot, create, start)
 * and is not in a delegated cgroup (cgroup.ts), or that joins one (exec)
 * from a cgroup that is not the user's (a login session's scope), first
 * moves into a scope of the user's systemd manager: it runs itself again
 * through `systemd-run --user --scope -p Delegate=yes`, which asks that
 * manager for a transient scope with delegation and execs the command in
 * it -- the same PID, stdio, terminal, directory and environment, plus
 * TS_NSPAWN_SCOPE naming the scope. systemd removes the scope once its
 * last process (a detached container's monitor) has ended. A command
 * rather than D-Bus code here; and only where
 *   - the host is pure cgroup v2 and the user's manager runs (its private
 *     socket $XDG_RUNTIME_DIR/systemd/private is there: systemd-run talks
 *     to it directly, no session bus needed),
 *   - systemd-run is installed, and the runtime can exec in place
 *     (process.execve: Bun, Node.js 22.15+).
 * Otherwise the command stays where it is: a container without a cgroup
 * (policy.ts says so once).
 */
import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { hostHierarchies, layoutOf, type Hierarchy } from '../cgroups/hierarchies.js';
import { mayManage } from '../cgroups/delegated.js';
import { CLI_FILE } from '../host/own-files.js';
import { findHelper } from './maps.js';
import { isRootless } from './mode.js';
import { rootlessCgroup, SCOPE_ENV } from './cgroup.js';

/** What a command does with a container's cgroup: makes one, or joins one. */
export type CgroupUse = 'create' | 'join';

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

export interface ScopeContext {
  env: NodeJS.ProcessEnv;
  uid: number;
  hierarchies: Hierarchy[];
  /** Whether this process already is in a cgroup delegated to it. */
  delegated: boolean;
  systemdRun: string | undefined;
  canExec: boolean;
  /** The scope's unit name (random: a detached container's scope outlives the command). */
  unit: string;
}

/** The command line that runs ARGS again in a delegated scope, or undefined when not needed or not possible. */
export function scopeCommand(use: CgroupUse, args: string[], context: ScopeContext): { file: string; argv: string[]; env: NodeJS.ProcessEnv } | undefined {
  const { env, hierarchies, systemdRun } = context;
  // Once only: a command already run again stays where systemd put it.
  if (env[SCOPE_ENV] !== undefined || !systemdRun || !context.canExec) return undefined;
  if (layoutOf(hierarchies) !== 'unified') return undefined;
  if (use === 'create' && context.delegated) return undefined;
  if (use === 'join' && mayManage(hierarchies[0]!.ownDirectory, context.uid)) return undefined;
  if (!userManagerRuns(env.XDG_RUNTIME_DIR, context.uid)) return undefined;
  const argv = [systemdRun, '--user', '--scope', '--quiet', '--collect', '--property=Delegate=yes', `--unit=${context.unit}`, `--description=ts-nspawn ${args[0] ?? ''}`.trim(), '--', CLI_FILE, ...args];
  return { file: systemdRun, argv, env: { ...env, [SCOPE_ENV]: context.unit } };
}

function userManagerRuns(runtimeDirectory: string | undefined, uid: number): boolean {
  if (!runtimeDirectory) return false;
  try {
    const socket = lstatSync(join(runtimeDirectory, 'systemd/private'));
    return socket.isSocket() && socket.uid === uid;
  } catch {
    return false;
  }
}

/** Runs ARGS again in a delegated scope when rootless needs one (see above); returns only when it does not. */
export function enterUserScope(use: CgroupUse, args: string[]): void {
  if (!isRootless()) return;
  const execve = (process as unknown as { execve?: Execve }).execve;
  const command = scopeCommand(use, args, {
    env: process.env,
    uid: process.geteuid?.() ?? 0,
    hierarchies: hostHierarchies(),
    delegated: use === 'create' && rootlessCgroup() !== undefined,
    systemdRun: findHelper('systemd-run'),
    canExec: typeof execve === 'function',
    unit: `ts-nspawn-${process.pid}-${randomBytes(3).toString('hex')}.scope`,
  });
  if (command) execve!(command.file, command.argv, command.env);
}
