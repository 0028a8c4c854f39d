/**
 * The security settings of a container's process, decided in one place:
 * capabilities, no_new_privs, the seccomp profile and the sysctls that go
 * with them. build-spec.ts puts the result into the OCI spec.
 */
import { ContainerError } from '../errors.js';
import type { Capabilities, LinuxSeccomp } from '../oci/types.js';
import { capabilitiesFor, containerCapabilities, PING_GROUP_RANGE } from './capabilities.js';
import { defaultSeccompProfile } from './seccomp-default.js';
import { parseSeccompProfile } from './seccomp-profile.js';

export interface SecurityOptions {
  /** Capabilities to add (names with or without CAP_, or `all`). */
  capabilities?: string[];
  /** Capabilities to drop (names or `all`); a drop wins over an add. */
  dropCapabilities?: string[];
  /** Default: on for `run`, off for `boot` (a booted OS needs setuid: su, sudo). */
  noNewPrivileges?: boolean;
  /** Every capability, no seccomp filter, no no_new_privs (nothing else: see the README). */
  privileged?: boolean;
  /**
   * `default` (the built-in profile), `unconfined` (no filter), or a
   * profile in the OCI or Docker JSON format (already parsed).
   */
  seccomp?: 'default' | 'unconfined' | object;
}

export interface ContainerKind {
  boot: boolean;
  privateNetwork: boolean;
  uid: number;
}

export interface SecuritySettings {
  capabilities: Capabilities;
  noNewPrivileges: boolean;
  seccomp?: LinuxSeccomp;
  sysctl: Record<string, string>;
}

export function securitySettings(options: SecurityOptions, kind: ContainerKind): SecuritySettings {
  const bounding = containerCapabilities({
    boot: kind.boot,
    privateNetwork: kind.privateNetwork,
    add: options.capabilities,
    drop: options.dropCapabilities,
    privileged: options.privileged,
  });
  const noNewPrivileges = options.noNewPrivileges ?? (!kind.boot && !options.privileged);
  const choice = options.seccomp ?? (options.privileged ? 'unconfined' : 'default');
  let seccomp: LinuxSeccomp | undefined;
  if (choice === 'default') seccomp = defaultSeccompProfile({ capabilities: bounding, boot: kind.boot });
  else if (typeof choice === 'object') seccomp = parseSeccompProfile(choice, bounding);
  else if (choice !== 'unconfined') throw new ContainerError(`invalid --seccomp '${String(choice)}': use unconfined or --seccomp-profile FILE`);
  // Ping without CAP_NET_RAW (ICMP sockets), in the container's own network only (the sysctl is per namespace).
  const sysctl: Record<string, string> = kind.privateNetwork && !kind.boot ? { [PING_GROUP_RANGE.key]: PING_GROUP_RANGE.value } : {};
  return { capabilities: capabilitiesFor(bounding, kind.uid), noNewPrivileges, ...(seccomp ? { seccomp } : {}), sysctl };
}
