/**
 * What ts-nspawn remembers about a container, in /run/ts-nspawn/NAME/:
 * state.json holds the OCI state fields (ociVersion, id, status, pid,
 * bundle, annotations) and ts-nspawn's own; config.json the spec it runs.
 */
import type { ProcessIdentity } from './process-identity.js';

export type ContainerStatus = 'creating' | 'created' | 'running' | 'stopped';

export interface ExitRecord {
  exitCode: number | null;
  signal: number | null;
  status: number;
}

/** The kernel's OOM killer killed processes of the container because of its memory limit. */
export interface OutOfMemory {
  /** How many processes it killed. */
  kills: number;
  /** The memory limit then, in bytes. */
  limitBytes?: number;
}

export interface ContainerRecord {
  // OCI state
  ociVersion: string;
  id: string;
  status: ContainerStatus;
  /** PID 1 of the container, as the host sees it (0 when not running). */
  pid: number;
  /** For ts-nspawn, the root directory. */
  bundle: string;
  annotations: Record<string, string>;
  // ts-nspawn's own
  created: string;
  started?: string;
  command: string[];
  console: boolean;
  detached: boolean;
  boot: boolean;
  /** PID 1's identity (guards against PID reuse). */
  init?: ProcessIdentity;
  /** The supervising executor (the monitor of a detached container). */
  supervisor?: ProcessIdentity;
  /**
   * ts-runc: the executor left once init was created, handing it to the
   * engine that called us (its subreaper reaps it), as runc does.
   */
  handedOff?: boolean;
  /** The ts-nspawn process running a foreground container. */
  owner?: ProcessIdentity;
  addresses: string[];
  /** Host-side veth names, recorded before they are created. */
  hostInterfaces: string[];
  /** Cgroup directories, recorded before they are created. */
  cgroups: string[];
  /** The user-mode network helper (pasta, slirp4netns) serving the container, recorded once it runs; stopped at release. */
  networkHelper?: ProcessIdentity;
  exit?: ExitRecord;
  /** Set when the container ended with processes killed for its memory limit. */
  outOfMemory?: OutOfMemory;
  /** The last phase that failed (start, restart), and why: shown by list and status. */
  error?: { phase: string; message: string };
  /** Set by stop/rm: the container is meant to end, so a reboot must not start it again. */
  stopRequested?: boolean;
  /** The host IDs its user namespace maps to (held while it is not stopped; user-ranges.ts). */
  userRange?: UserRange;
}

export interface UserRange {
  base: number;
  count: number;
}
