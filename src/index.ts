/**
 * ts-nspawn as a library. Typical use:
 *
 *   import { run } from 'ts-nspawn';
 *   const { status } = await run({ directory: '/var/lib/machines/demo', command: ['/bin/echo', 'hi'] });
 *
 * `run`/`start` take nspawn-style options; `runContainer`/`startContainer`
 * take an OCI runtime spec directly. Errors of the runtime itself are
 * `ContainerError`s with the exit code the CLI would use.
 */
import { buildSpec } from './oci/build-spec.js';
import type { ContainerOptions } from './oci/container-options.js';
import { createContainer, runContainer, startContainer, startDetached, type DetachedContainer, type RunningContainer, type StartOptions } from './runtime/container.js';
import type { ExitStatus } from './runtime/executor.js';

export type RunOptions = ContainerOptions & StartOptions;

/** Starts a container; resolves once its command runs. */
export function start(options: RunOptions): Promise<RunningContainer> {
  return startContainer(buildSpec(options), options);
}

/** Runs a container to completion; resolves with how its PID 1 ended. */
export function run(options: RunOptions): Promise<ExitStatus> {
  return runContainer(buildSpec(options), options);
}

/** Creates a container in the background, held before its command until `startCreated(name)`. */
export function create(options: Omit<RunOptions, 'stdio'>): Promise<DetachedContainer> {
  return createContainer(buildSpec(options), options);
}

/** Starts a container in the background under its monitor; resolves once its command runs. */
export function startInBackground(options: Omit<RunOptions, 'stdio'>): Promise<DetachedContainer> {
  return startDetached(buildSpec(options), options);
}

export { buildSpec, machineNameFrom } from './oci/build-spec.js';
export type { BindMount, BridgeNetwork, ContainerOptions, DeviceOption } from './oci/container-options.js';
export type * from './oci/types.js';
export { createContainer, runContainer, startContainer, startDetached, restartDetached, RunningContainer } from './runtime/container.js';
export { startCreated } from './runtime/start.js';
export { containerStats, type CgroupStats } from './runtime/stats.js';
export type { DetachedContainer, StartOptions, Stdio, ExitStatus } from './runtime/container.js';
export {
  listContainers,
  reconcile as reconcileContainer,
  stopContainer,
  killContainer,
  removeContainer,
  collectGarbage,
} from './runtime/lifecycle.js';
export { startExec, startExecProcess, execInContainer, type ExecOptions, type ExecSupervision, type RunningExec } from './runtime/exec.js';
export { pauseContainer, resumeContainer, isPaused } from './runtime/freezer.js';
export { containerPids } from './runtime/process-list.js';
export { readLog, followLog } from './runtime/logs.js';
export type { ContainerRecord, ContainerStatus, ExitRecord } from './state/record.js';
export { compilePlan, type SupervisionOptions } from './plan/compile.js';
export { encodePlan } from './plan/encode.js';
export type { Plan, Step } from './plan/steps.js';
export { ContainerError, type ContainerErrorOptions, type ErrorCode } from './errors.js';
export { validateSpec, InvalidSpecError, type ValidatedSpec, type Problem } from './oci/validate.js';
export type { NspawnSettings } from './oci/settings.js';
export { bootstrap } from './bootstrap/bootstrap.js';
export type { BootstrapOptions, BootstrapPhase, BootstrapTool } from './bootstrap/options.js';
