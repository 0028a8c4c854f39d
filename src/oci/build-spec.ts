/**
 * ContainerOptions -> OCI spec: the one place where nspawn-style settings
 * become the runtime's internal model. Values are validated here, once,
 * with errors that quote the bad value.
 */
import { userNamespaceRefusal } from '../host/user-namespaces.js';
import { resolveInRoot } from '../host/root-path.js';
import { existsSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { ContainerError } from '../errors.js';
import { inSubnet, parseGateway, parseInterfaceAddress, type InterfaceAddress } from '../network/address.js';
import type { BridgeAttachment } from '../network/bridge.js';
import { duplicatePort } from '../network/ports.js';
import { helperOptionsProblem, type UserNetwork } from '../network/user-network.js';
import { CGROUP_PATH_RULE, isCgroupPath, settingsAnnotations, type NspawnSettings, type PrivateUsersSettings } from './settings.js';
import { idmapProblemAt, RANGE_SIZE, rangeMappings, resolveOwnership } from './private-users.js';
import type { BindMount, BridgeNetwork, ContainerOptions, UserNetworkOptions } from './container-options.js';
import {
  CONTAINER_ENV,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH,
  DEFAULT_READONLY_PATHS,
  defaultMounts,
} from './defaults.js';
import type { LinuxIDMapping, Mount, Namespace, Spec } from './types.js';
import { OCI_VERSION } from './types.js';
import { buildResources, deviceNode } from './resources.js';
import { rlimitEntries } from './rlimits.js';
import { resolveUser } from './user.js';
import { securitySettings } from '../security/policy.js';
import { isRootless } from '../rootless/mode.js';
import { PING_GROUP_RANGE } from '../security/capabilities.js';

export const INIT_PATH = '/sbin/init';

export function buildSpec(options: ContainerOptions): Spec {
  const directory = resolve(options.directory);
  const machine = options.machine ?? machineNameFrom(directory);
  checkHostname(machine, 'machine name');
  const hostname = options.hostname ?? machine;
  checkHostname(hostname, 'hostname');
  const user = resolveUser(options.user ?? '0', directory);
  const args = options.boot ? [INIT_PATH, ...(options.command ?? [])] : (options.command ?? []);
  if (args.length === 0) throw new ContainerError('no command given: say what to run, e.g. ts-nspawn run -D DIR /bin/sh', { code: 'invalid-spec' });
  for (const arg of args) checkNoNul(arg, 'command argument');
  const cwd = options.chdir ?? '/';
  if (!isAbsolute(cwd)) throw new ContainerError(`invalid --chdir '${cwd}': it must be an absolute path inside the container`, { code: 'invalid-spec' });

  const privateNetwork = !options.hostNetwork;
  if (options.network && !privateNetwork) {
    throw new ContainerError('--network-bridge and --host-network exclude each other: choose one', { code: 'invalid-spec' });
  }
  if (options.userNetwork) {
    const other = options.network ? '--network-bridge' : !privateNetwork ? '--host-network' : undefined;
    if (other) throw new ContainerError(`--network=${options.userNetwork.helper} and ${other} exclude each other: a container has one network, choose one`, { code: 'invalid-spec' });
  }
  const security = securitySettings(options, { boot: options.boot === true, privateNetwork, uid: user.uid });

  // Only a name the user chose is fixed; otherwise the runtime makes the default unique.
  const settings: NspawnSettings = { boot: options.boot === true };
  if (options.machine) settings.machine = machine;
  if (options.network) settings.network = bridgeAttachment(options.network);
  if (options.userNetwork) settings.userNetwork = userNetwork(options.userNetwork);
  if (options.cgroupParent !== undefined) settings.cgroupParent = checkCgroupParent(options.cgroupParent);
  const devices = (options.devices ?? []).map(deviceNode);
  const users = privateUsers(options, directory);
  if (users.settings) settings.privateUsers = users.settings;
  const mapBinds = users.settings?.ownership === 'map';
  // In a user namespace the kernel takes only groups mapped there.
  if (users.settings && security.sysctl[PING_GROUP_RANGE.key] !== undefined) {
    security.sysctl[PING_GROUP_RANGE.key] = `0 ${(users.mappings?.[0]?.size ?? RANGE_SIZE) - 1}`;
  }

  return {
    ociVersion: OCI_VERSION,
    root: { path: directory },
    hostname,
    process: {
      terminal: options.console ?? false,
      user: { uid: user.uid, gid: user.gid },
      args,
      env: buildEnv(options, user.home),
      cwd,
      capabilities: security.capabilities,
      ...(options.rlimits?.length ? { rlimits: rlimitEntries(options.rlimits) } : {}),
      noNewPrivileges: security.noNewPrivileges,
    },
    mounts: [...defaultMounts({ writableCgroups: options.boot === true }), ...(options.binds?.map((bind) => bindMount(bind, mapBinds)) ?? [])],
    // The annotations are only the stored form of ts-nspawn's settings.
    annotations: settingsAnnotations(settings),
    linux: {
      namespaces: [...(users.settings ? [{ type: 'user' as const }] : []), ...namespaces(privateNetwork)],
      ...(users.mappings ? { uidMappings: users.mappings, gidMappings: users.mappings.map((m) => ({ ...m })) } : {}),
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
      rootfsPropagation: 'private',
      ...(devices.length > 0 ? { devices } : {}),
      resources: buildResources(options, devices),
      ...(security.seccomp ? { seccomp: security.seccomp } : {}),
      ...(Object.keys(security.sysctl).length > 0 ? { sysctl: security.sysctl } : {}),
    },
  };
}

/** The directory's base name, made a valid hostname (as systemd-nspawn does). */
export function machineNameFrom(directory: string): string {
  const name = basename(resolve(directory))
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return name || 'container';
}

const HOSTNAME_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function checkHostname(name: string, what: string): void {
  if (name.length > 64 || !name.split('.').every((label) => HOSTNAME_LABEL.test(label))) {
    throw new ContainerError(`invalid ${what} '${name}': use up to 64 letters, digits, inner dashes and dots`, { code: 'invalid-spec' });
  }
}

/** A cgroup path relative to the hierarchy roots: no `..`, nothing a path could escape with. */
function checkCgroupParent(parent: string): string {
  if (!isCgroupPath(parent)) throw new ContainerError(`invalid --cgroup-parent '${parent}': give ${CGROUP_PATH_RULE}`, { code: 'invalid-spec' });
  return parent.split('/').filter(Boolean).join('/');
}

function namespaces(privateNetwork: boolean): Namespace[] {
  const types: Namespace['type'][] = ['mount', 'pid', 'uts', 'ipc', 'cgroup'];
  if (privateNetwork) types.push('network');
  return types.map((type) => ({ type }));
}

function buildEnv(options: ContainerOptions, home: string): string[] {
  const env = new Map<string, string>([
    ['PATH', DEFAULT_PATH],
    ['container', CONTAINER_ENV],
    ['container_uuid', crypto.randomUUID()],
    ['HOME', home],
  ]);
  if (options.console) env.set('TERM', options.term || 'vt220');
  const extra = Array.isArray(options.env) ? options.env.map(splitEnv) : Object.entries(options.env ?? {});
  for (const [key, value] of extra) {
    if (!/^[^=\0]+$/.test(key)) throw new ContainerError(`invalid environment variable name '${key}'`, { code: 'invalid-spec' });
    checkNoNul(value, `value of ${key}`);
    env.set(key, value);
  }
  return [...env].map(([key, value]) => `${key}=${value}`);
}

/** The kernel takes arguments and environment as C strings. */
function checkNoNul(text: string, what: string): void {
  if (text.includes('\0')) throw new ContainerError(`invalid ${what} ${JSON.stringify(text)}: it contains a NUL byte`, { code: 'invalid-spec' });
}

function splitEnv(assignment: string): [string, string] {
  const equals = assignment.indexOf('=');
  if (equals <= 0) throw new ContainerError(`invalid --setenv '${assignment}': expected NAME=VALUE`, { code: 'invalid-spec' });
  return [assignment.slice(0, equals), assignment.slice(equals + 1)];
}

/**
 * The user namespace of --private-users: its settings (pick, ownership)
 * and, for a fixed range, its maps. A booted OS gets one by default where
 * the root can be idmapped -- its root then holds CAP_SYS_ADMIN only over
 * its own namespaces -- and says in one line when it cannot.
 */
function privateUsers(options: ContainerOptions, directory: string): { settings?: PrivateUsersSettings; mappings?: LinuxIDMapping[] } {
  let mode = options.privateUsers;
  // A missing root is preflight's to report, in its one line.
  if (!existsSync(directory)) return {};
  // Rootless, the container is in the user's own user namespace already (rootless/policy.ts).
  // Without an init, preflight's one line says what is wrong; nothing here.
  if (mode === undefined && options.boot && !isRootless() && resolveInRoot(directory, INIT_PATH) !== undefined) {
    const refusal = userNamespaceRefusal();
    const problem = refusal ? `the kernel makes no user namespace here (in a chroot, or where they are disabled): ${refusal}` : idmapProblemAt(directory);
    if (!problem) mode = 'pick';
    else process.stderr.write(`ts-nspawn: booting without private users (the root holds host privileges): ${refusal ? problem : `${directory} cannot be idmapped: ${problem}`}\n`);
  }
  if (mode === undefined || mode === 'no') return {};
  if (mode === 'identity') return { settings: { pick: false, ownership: 'off' }, mappings: rangeMappings(0, RANGE_SIZE) };
  const ownership = resolveOwnership(options.privateUsersOwnership ?? 'auto', directory);
  if (mode === 'pick') return { settings: { pick: true, ownership } };
  return { settings: { pick: false, ownership }, mappings: rangeMappings(mode.base, mode.count) };
}

function bindMount(bind: BindMount, idmap: boolean): Mount {
  const source = resolve(bind.source);
  const destination = bind.destination ?? source;
  if (!existsSync(source)) {
    throw new ContainerError(`bind source '${bind.source}' does not exist on the host: create it or fix the path`, { code: 'invalid-spec' });
  }
  if (!isAbsolute(destination)) {
    throw new ContainerError(`invalid bind destination '${destination}': it must be an absolute path inside the container`, { code: 'invalid-spec' });
  }
  const options = ['rbind', 'nosuid', 'nodev'];
  if (bind.readOnly) options.push('ro');
  // Its files keep their owners inside as on the host's side of the map; a
  // source that cannot be idmapped is bound as it is (owners outside the
  // range show as nobody). A read-only bind is never idmapped, as
  // systemd-nspawn's default: a root holding CAP_SYS_ADMIN in its user
  // namespace can remount it read-write (the runtime's mounts are not
  // locked), and its files must then stay the host's, not its own.
  if (idmap && !bind.readOnly && !idmapProblemAt(source)) options.push('ridmap');
  return { destination, source, type: 'bind', options };
}

function bridgeAttachment(network: BridgeNetwork): BridgeAttachment {
  if (!/^[^\s/:]{1,15}$/.test(network.bridge)) {
    throw new ContainerError(`invalid bridge name '${network.bridge}': interface names have 1-15 characters, no spaces, '/' or ':'`, { code: 'invalid-spec' });
  }
  if (network.addresses.length === 0) {
    throw new ContainerError('--network-bridge needs at least one --address ADDR/PREFIX for the container', { code: 'invalid-spec' });
  }
  const addresses = network.addresses.map(parseInterfaceAddress);
  const gateways = (network.gateways ?? []).map((gateway) => checkGateway(gateway, addresses));
  for (const family of [4, 6]) {
    if (gateways.filter((gateway) => gateway.family === family).length > 1) {
      throw new ContainerError(`more than one IPv${family} gateway given: a container has one default route per family`, { code: 'invalid-spec' });
    }
  }
  return {
    bridge: network.bridge,
    addresses: addresses.map((a) => `${a.address}/${a.prefix}`),
    gateways: gateways.map((gateway) => gateway.address),
  };
}

function userNetwork(options: UserNetworkOptions): UserNetwork {
  const network: UserNetwork = { helper: options.helper, options: [...(options.options ?? [])], ports: [...(options.ports ?? [])] };
  const problem = helperOptionsProblem(network) ?? duplicatePort(network.ports);
  if (problem) throw new ContainerError(`--network=${options.helper}: ${problem}`, { code: 'invalid-spec' });
  return network;
}

function checkGateway(text: string, addresses: InterfaceAddress[]) {
  const gateway = parseGateway(text);
  if (!addresses.some((address) => inSubnet(gateway.address, address))) {
    const subnets = addresses.map((a) => `${a.address}/${a.prefix}`).join(', ');
    throw new ContainerError(`gateway ${text} is outside the container's subnet (${subnets}): pick an address on the bridge's network`, { code: 'invalid-spec' });
  }
  return gateway;
}
