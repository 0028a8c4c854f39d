/**
 * Which capabilities a container's process gets: the defaults of `run` and
 * `boot`, and the user's --capability / --drop-capability on top.
 */
import { ContainerError } from '../errors.js';
import { ALL_CAPABILITIES, isCapabilityName } from '../oci/capabilities.js';
import { DEFAULT_CAPABILITIES } from '../oci/defaults.js';
import type { CapabilityName, Capabilities } from '../oci/types.js';

/**
 * `run`: podman's default set. No SYS_ADMIN (mount, namespaces, most of the
 * kernel's "root" checks), no DAC_READ_SEARCH (open_by_handle_at reads host
 * files), no SYS_PTRACE, no NET_RAW (ping works without it: see
 * PING_GROUP_RANGE). MKNOD stays: a node it makes cannot be opened, because
 * the device policy (cgroups) allows only the container's own nodes.
 *
 * No NET_ADMIN either, also not in a private network: podman does not give
 * it, a command container rarely configures its network (the runtime does),
 * and NET_ADMIN opens a large kernel surface (netfilter, tc, xfrm, netlink
 * families) whose bugs are reachable even in a private namespace. Who needs
 * it asks: --capability NET_ADMIN.
 */
export const RUN_CAPABILITIES: CapabilityName[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_MKNOD',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

/**
 * The sysctl that lets any group use ICMP echo sockets (SOCK_DGRAM,
 * IPPROTO_ICMP), so ping works without CAP_NET_RAW, as podman sets it. It
 * is per network namespace: only for a private network.
 */
export const PING_GROUP_RANGE = { key: 'net.ipv4.ping_group_range', value: '0 2147483647' } as const;

export interface CapabilityRequest {
  /** `boot` keeps systemd-nspawn's set (systemd needs SYS_ADMIN until user namespaces land). */
  boot: boolean;
  privateNetwork: boolean;
  /** Names (with or without CAP_, any case) or `all`. */
  add?: readonly string[];
  drop?: readonly string[];
  /** --privileged: every capability. */
  privileged?: boolean;
}

/** The bounding set: the defaults, plus what is added, minus what is dropped (drop wins). */
export function containerCapabilities(request: CapabilityRequest): CapabilityName[] {
  let base: CapabilityName[];
  if (request.privileged) base = [...ALL_CAPABILITIES];
  else if (request.boot) base = request.privateNetwork ? [...DEFAULT_CAPABILITIES, 'CAP_NET_ADMIN'] : [...DEFAULT_CAPABILITIES];
  else base = [...RUN_CAPABILITIES];
  const set = new Set(base);
  for (const name of expand(request.add ?? [], '--capability')) set.add(name);
  for (const name of expand(request.drop ?? [], '--drop-capability')) set.delete(name);
  return ALL_CAPABILITIES.filter((name) => set.has(name));
}

/**
 * The process's sets for uid `uid`. Root gets the bounding set as effective
 * and permitted. Any other user starts with nothing, and with an empty
 * bounding set too, so not even a setuid-root or file-capability binary can
 * give any back (no_new_privs aside).
 */
export function capabilitiesFor(bounding: readonly CapabilityName[], uid: number): Capabilities {
  const sets = uid === 0 ? [...bounding] : [];
  return { bounding: sets, effective: sets, permitted: [...sets], inheritable: [], ambient: [] };
}

/** `NET_ADMIN`, `cap_net_admin`, `CAP_NET_ADMIN` or `all`. */
export function parseCapabilityNames(names: readonly string[], what: string): CapabilityName[] {
  return expand(names, what);
}

function expand(names: readonly string[], what: string): CapabilityName[] {
  return names.flatMap((text) => {
    const upper = text.trim().toUpperCase();
    if (upper === 'ALL') return [...ALL_CAPABILITIES];
    const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
    if (!isCapabilityName(name)) {
      throw new ContainerError(`invalid ${what} '${text}': not a capability name (e.g. NET_ADMIN, CAP_SYS_PTRACE or all)`);
    }
    return [name];
  });
}
