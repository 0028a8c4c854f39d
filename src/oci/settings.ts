/**
 * ts-nspawn's own settings, which the OCI spec has no field for: the
 * machine name, booting an OS, a bridged network. They are a typed part of
 * the model (`NspawnSettings`); the spec's annotations are only their
 * stored form, written by `settingsAnnotations()` and read back, checked,
 * by `parseSettings()` (which validateSpec calls).
 */
import { familyOf, inSubnet, parseInterfaceAddress, type InterfaceAddress } from '../network/address.js';
import type { BridgeAttachment } from '../network/bridge.js';
import { duplicatePort, formatPortForward, parsePortForward, type PortForward } from '../network/ports.js';
import { helperOptionsProblem, USER_NETWORK_HELPERS, type UserNetwork, type UserNetworkHelper } from '../network/user-network.js';
import { HOSTNAME_RULE, INTERFACE_RULE, isHostname, isInterfaceName } from './names.js';
import { jsonPath, type Problem } from './json-value.js';

export interface NspawnSettings {
  /** The machine name asked for; unset: the runtime derives a unique one from the root directory. */
  machine?: string;
  /** Boot the tree's /sbin/init as an operating system. */
  boot: boolean;
  /** A veth on a host bridge, configured from the host side before the command starts. */
  network?: BridgeAttachment;
  /** User-mode networking through pasta or slirp4netns, started from the host before the command starts. */
  userNetwork?: UserNetwork;
  /** The cgroup the container's own goes below, relative to the hierarchy roots (`--cgroup-parent`). */
  cgroupParent?: string;
  /** How a user namespace (linux.uidMappings) is set up beyond its maps (`--private-users`). */
  privateUsers?: PrivateUsersSettings;
}

/**
 * How the container's files get owners in its user namespace: `map`, an
 * idmapped mount of the root (and of binds); `chown`, the tree shifted on
 * disk once; `off`, as they are; `auto`, map where the kernel and file
 * system can, else chown.
 */
export type Ownership = 'auto' | 'map' | 'chown' | 'off';
export const OWNERSHIPS: readonly Ownership[] = ['auto', 'map', 'chown', 'off'];

export interface PrivateUsersSettings {
  /** The runtime chooses a free range (the spec's maps are filled in when the container is claimed). */
  pick: boolean;
  ownership: Ownership;
}

const PREFIX = 'org.ts-nspawn.';

export const ANNOTATION = {
  machine: `${PREFIX}machine`,
  boot: `${PREFIX}boot`,
  bridge: `${PREFIX}network.bridge`,
  /** Comma-separated ADDR/PREFIX list for the container's eth0. */
  addresses: `${PREFIX}network.addresses`,
  /** Comma-separated default gateways (at most one per address family). */
  gateways: `${PREFIX}network.gateways`,
  /** `pasta` or `slirp4netns`: user-mode networking. */
  helper: `${PREFIX}network.helper`,
  /** The helper's options, a JSON array of strings (an option may hold a comma). */
  helperOptions: `${PREFIX}network.helper-options`,
  /** Comma-separated published ports, [HOSTADDR:]HOSTPORT:CONTAINERPORT/PROTOCOL. */
  ports: `${PREFIX}network.ports`,
  cgroupParent: `${PREFIX}cgroup-parent`,
  /** `true`: the runtime picks the user namespace's range. */
  privateUsersPick: `${PREFIX}private-users.pick`,
  privateUsersOwnership: `${PREFIX}private-users.ownership`,
} as const;

const KNOWN = new Set<string>(Object.values(ANNOTATION));

/** The stored form of the settings. */
export function settingsAnnotations(settings: NspawnSettings): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (settings.machine !== undefined) annotations[ANNOTATION.machine] = settings.machine;
  if (settings.boot) annotations[ANNOTATION.boot] = 'true';
  if (settings.cgroupParent !== undefined) annotations[ANNOTATION.cgroupParent] = settings.cgroupParent;
  if (settings.privateUsers) {
    if (settings.privateUsers.pick) annotations[ANNOTATION.privateUsersPick] = 'true';
    annotations[ANNOTATION.privateUsersOwnership] = settings.privateUsers.ownership;
  }
  if (settings.network) {
    annotations[ANNOTATION.bridge] = settings.network.bridge;
    annotations[ANNOTATION.addresses] = settings.network.addresses.join(',');
    annotations[ANNOTATION.gateways] = settings.network.gateways.join(',');
  }
  if (settings.userNetwork) {
    annotations[ANNOTATION.helper] = settings.userNetwork.helper;
    if (settings.userNetwork.options.length > 0) annotations[ANNOTATION.helperOptions] = JSON.stringify(settings.userNetwork.options);
    if (settings.userNetwork.ports.length > 0) annotations[ANNOTATION.ports] = settings.userNetwork.ports.map(formatPortForward).join(',');
  }
  return annotations;
}

/**
 * Reads the settings from annotations, adding a problem (at
 * `annotations["org.ts-nspawn...."]`) for each bad value. Unknown
 * `org.ts-nspawn.` keys are problems too: a misspelt setting must not be
 * dropped silently.
 */
export function parseSettings(annotations: Record<string, string>, problems: Problem[]): NspawnSettings {
  const at = (key: string) => jsonPath('annotations', key);
  const problem = (key: string, message: string) => problems.push({ path: at(key), message });
  for (const key of Object.keys(annotations)) {
    if (key.startsWith(PREFIX) && !KNOWN.has(key)) problem(key, `unknown ts-nspawn setting (known: ${[...KNOWN].join(', ')})`);
  }

  const settings: NspawnSettings = { boot: false };
  const machine = annotations[ANNOTATION.machine];
  if (machine !== undefined) {
    if (isHostname(machine)) settings.machine = machine;
    else problem(ANNOTATION.machine, `invalid machine name ${JSON.stringify(machine)}: ${HOSTNAME_RULE}`);
  }

  const boot = annotations[ANNOTATION.boot];
  if (boot === 'true') settings.boot = true;
  else if (boot !== undefined && boot !== 'false') problem(ANNOTATION.boot, `must be "true" or "false", not ${JSON.stringify(boot)}`);

  const cgroupParent = annotations[ANNOTATION.cgroupParent];
  if (cgroupParent !== undefined) {
    if (isCgroupPath(cgroupParent)) settings.cgroupParent = cgroupParent.replace(/^\/+|\/+$/g, '');
    else problem(ANNOTATION.cgroupParent, `invalid cgroup path ${JSON.stringify(cgroupParent)}: ${CGROUP_PATH_RULE}`);
  }

  const pick = annotations[ANNOTATION.privateUsersPick];
  const ownership = annotations[ANNOTATION.privateUsersOwnership];
  if (pick !== undefined && pick !== 'true' && pick !== 'false') problem(ANNOTATION.privateUsersPick, `must be "true" or "false", not ${JSON.stringify(pick)}`);
  if (ownership !== undefined && !(OWNERSHIPS as readonly string[]).includes(ownership)) {
    problem(ANNOTATION.privateUsersOwnership, `must be one of ${OWNERSHIPS.join(', ')}, not ${JSON.stringify(ownership)}`);
  } else if (pick !== undefined || ownership !== undefined) {
    settings.privateUsers = { pick: pick === 'true', ownership: (ownership as Ownership | undefined) ?? 'off' };
  }

  const userNetwork = parseUserNetwork(annotations, problem);
  if (userNetwork) settings.userNetwork = userNetwork;

  const bridge = annotations[ANNOTATION.bridge];
  if (bridge !== undefined && annotations[ANNOTATION.helper] !== undefined) {
    problem(ANNOTATION.helper, `a container has one network: ${ANNOTATION.helper} and ${ANNOTATION.bridge} exclude each other`);
  }
  const addressText = annotations[ANNOTATION.addresses];
  const gatewayText = annotations[ANNOTATION.gateways];
  if (bridge === undefined) {
    if (addressText) problem(ANNOTATION.addresses, `needs ${ANNOTATION.bridge}: addresses are for the veth on a bridge`);
    if (gatewayText) problem(ANNOTATION.gateways, `needs ${ANNOTATION.bridge}: gateways are for the veth on a bridge`);
    return settings;
  }
  const count = problems.length;
  if (!isInterfaceName(bridge)) problem(ANNOTATION.bridge, `invalid bridge name ${JSON.stringify(bridge)}: ${INTERFACE_RULE}`);
  const addresses: InterfaceAddress[] = [];
  for (const text of splitList(addressText)) {
    try {
      addresses.push(parseInterfaceAddress(text));
    } catch (error) {
      problem(ANNOTATION.addresses, (error as Error).message);
    }
  }
  if (addresses.length === 0 && problems.length === count) problem(ANNOTATION.addresses, 'a bridged container needs at least one ADDR/PREFIX');
  const gateways = splitList(gatewayText);
  for (const gateway of gateways) {
    const family = familyOf(gateway);
    if (!family) problem(ANNOTATION.gateways, `invalid gateway ${JSON.stringify(gateway)}: expected an IPv4 or IPv6 address without a prefix`);
    else if (addresses.length > 0 && !addresses.some((address) => inSubnet(gateway, address))) {
      problem(ANNOTATION.gateways, `gateway ${gateway} is in none of the container's subnets`);
    }
  }
  for (const family of [4, 6]) {
    if (gateways.filter((gateway) => familyOf(gateway) === family).length > 1) {
      problem(ANNOTATION.gateways, `more than one IPv${family} gateway: a container has one default route per family`);
    }
  }
  if (problems.length === count) {
    settings.network = { bridge, addresses: addresses.map((a) => `${a.address}/${a.prefix}`), gateways };
  }
  return settings;
}

/** The user-mode network's settings, or undefined (with a problem for each bad value). */
function parseUserNetwork(annotations: Record<string, string>, problem: (key: string, message: string) => void): UserNetwork | undefined {
  const helper = annotations[ANNOTATION.helper];
  const optionsText = annotations[ANNOTATION.helperOptions];
  const portsText = annotations[ANNOTATION.ports];
  if (helper === undefined) {
    if (optionsText !== undefined) problem(ANNOTATION.helperOptions, `needs ${ANNOTATION.helper}: options are for pasta or slirp4netns`);
    if (portsText !== undefined) problem(ANNOTATION.ports, `needs ${ANNOTATION.helper}: ports are published by pasta or slirp4netns`);
    return undefined;
  }
  let valid = true;
  if (!(USER_NETWORK_HELPERS as readonly string[]).includes(helper)) {
    problem(ANNOTATION.helper, `must be one of ${USER_NETWORK_HELPERS.join(', ')}, not ${JSON.stringify(helper)}`);
    valid = false;
  }
  let options: string[] = [];
  if (optionsText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(optionsText);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) options = parsed;
    else {
      problem(ANNOTATION.helperOptions, 'must be a JSON array of strings');
      valid = false;
    }
  }
  const ports: PortForward[] = [];
  for (const text of splitList(portsText)) {
    try {
      ports.push(parsePortForward(text));
    } catch (error) {
      problem(ANNOTATION.ports, (error as Error).message);
      valid = false;
    }
  }
  const duplicate = duplicatePort(ports);
  if (duplicate) problem(ANNOTATION.ports, duplicate);
  if (!valid || duplicate) return undefined;
  const network: UserNetwork = { helper: helper as UserNetworkHelper, options, ports };
  const why = helperOptionsProblem(network);
  if (why) {
    problem(ANNOTATION.helperOptions, why);
    return undefined;
  }
  return network;
}

export const CGROUP_PATH_RULE = 'a path relative to the cgroup hierarchy roots, such as ts-nspawn or machine.slice/mine, without . or .. parts';

/** A cgroup path that stays below the hierarchy roots: no `.` or `..` part, no newline. */
export function isCgroupPath(path: string): boolean {
  const parts = path.split('/').filter(Boolean);
  return parts.length > 0 && parts.every((part) => part !== '.' && part !== '..' && !/[\n\0]/.test(part));
}

export function splitList(value: string | undefined): string[] {
  return value ? value.split(',').filter((item) => item !== '') : [];
}

/**
 * The settings of a spec that validateSpec already accepted (or that
 * buildSpec made); bad values are left out rather than reported.
 */
export function settingsOf(spec: { annotations?: Record<string, string> } | null | undefined): NspawnSettings {
  const annotations = spec?.annotations;
  return parseSettings(annotations && typeof annotations === 'object' ? annotations : {}, []);
}
