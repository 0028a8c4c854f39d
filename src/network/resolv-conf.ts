/**
 * The container's /etc/resolv.conf with a user-mode network, as podman
 * gives it: the helper's DNS forwarder as nameserver (the host's own
 * resolvers may be loopback addresses the container cannot reach), with
 * the host's search domains and options. It is a file in the container's
 * state directory, bind-mounted read-only over the tree's (which stays as
 * it is on disk), made when the container is claimed.
 *
 * Left alone: a tree whose /etc/resolv.conf is a symlink (a booted system
 * that manages it, e.g. systemd-resolved's stub), and a spec that mounts
 * something there itself (--bind-ro /etc/resolv.conf).
 */
import { chmodSync, lstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInRoot } from '../host/root-path.js';
import { idmapProblemAt } from '../oci/private-users.js';
import type { NspawnSettings } from '../oci/settings.js';
import type { Mount, Spec } from '../oci/types.js';
import { dnsServers } from './user-network.js';

export const RESOLV_CONF = '/etc/resolv.conf';

/** The file's text: the forwarders, then the host's `search`/`domain` and `options` lines. */
export function resolvConfText(nameservers: readonly string[], hostText: string, helper: string): string {
  const kept = hostText.split('\n').filter((line) => /^\s*(search|domain|options)\s/.test(line)).map((line) => line.trim());
  return [`# ts-nspawn: the DNS forwarder of ${helper}`, ...nameservers.map((server) => `nameserver ${server}`), ...kept].join('\n') + '\n';
}

/**
 * Writes FILE and adds its bind mount to SPEC (a stored spec that has it
 * already gets the file written again). Says in one line when the
 * container's resolv.conf is left as it is.
 */
export function provideResolvConf(spec: Spec, settings: NspawnSettings, file: string, rootless: boolean): void {
  const network = settings.userNetwork;
  if (!network) return;
  const mounts = (spec.mounts ??= []);
  const existing = mounts.find((mount) => mount.destination === RESOLV_CONF);
  if (existing && existing.source !== file) return;
  if (!existing) {
    const why = unmountable(spec, file, rootless);
    if (why) {
      process.stderr.write(`ts-nspawn: ${RESOLV_CONF} is left as it is (${why}): name ${dnsServers(network).join(' or ')} as nameserver there, or bind a file with --bind-ro FILE:${RESOLV_CONF}\n`);
      return;
    }
  }
  // Readable by every user of the container (the state directory around it is not).
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, resolvConfText(dnsServers(network), hostResolvConf(), network.helper));
  chmodSync(temporary, 0o644);
  renameSync(temporary, file);
  if (!existing) mounts.push(resolvConfMount(spec, file, rootless));
}

function resolvConfMount(spec: Spec, file: string, rootless: boolean): Mount {
  const options = ['bind', 'ro', 'nosuid', 'nodev', 'noexec'];
  // With a user namespace of the host root's making, its root cannot reach root's state
  // directory: the file is mounted idmapped (opened by the supervisor, as root).
  if (!rootless && ownUserNamespace(spec)) options.push('idmap');
  return { destination: RESOLV_CONF, type: 'bind', source: file, options };
}

/** Why the file cannot be mounted over the tree's; undefined if it can. */
function unmountable(spec: Spec, file: string, rootless: boolean): string | undefined {
  const etc = resolveInRoot(spec.root.path, '/etc');
  if (etc !== undefined) {
    try {
      if (lstatSync(join(etc, 'resolv.conf')).isSymbolicLink()) return 'it is a symlink, managed inside the container';
    } catch {
      // missing: the mount makes an empty file to mount on, as podman does
    }
  }
  const userns = spec.linux?.namespaces?.find((ns) => ns.type === 'user');
  if (rootless || !userns) return undefined;
  if (userns.path) return "the container joins a user namespace whose root may not read the runtime's state";
  const problem = idmapProblemAt(file.slice(0, file.lastIndexOf('/')) || '/');
  return problem ? `the state directory cannot be idmapped for the container's user namespace: ${problem}` : undefined;
}

function ownUserNamespace(spec: Spec): boolean {
  return (spec.linux?.namespaces ?? []).some((ns) => ns.type === 'user' && !ns.path);
}

function hostResolvConf(): string {
  try {
    return readFileSync(RESOLV_CONF, 'utf8');
  } catch {
    return '';
  }
}
