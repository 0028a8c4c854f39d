/**
 * slirp4netns for a container: its command line (podman's: the tap
 * configured, MTU 65520, no way to the host's loopback unless asked), and
 * its API socket, through which published ports are added once it runs.
 */
import { ContainerError } from '../errors.js';
import type { HelperTarget } from './pasta.js';
import type { PortForward } from './ports.js';
import { slirpAddress, type SlirpOptions } from './user-network.js';

/** The container's interface, as podman names it. */
export const SLIRP_INTERFACE = 'tap0';
const DEFAULT_CIDR = '10.0.2.0/24';

export function slirpArguments(options: SlirpOptions, target: HelperTarget, readyFd: number, apiSocket?: string): string[] {
  const args = ['--configure', `--mtu=${options.mtu}`];
  if (!options.allowHostLoopback) args.push('--disable-host-loopback');
  const cidr = `${options.cidr.network}/${options.cidr.prefix}`;
  if (cidr !== DEFAULT_CIDR) args.push(`--cidr=${cidr}`);
  if (options.enableIPv6) args.push('--enable-ipv6');
  if (options.outboundAddr) args.push(`--outbound-addr=${options.outboundAddr}`);
  if (options.outboundAddr6) args.push(`--outbound-addr6=${options.outboundAddr6}`);
  // As root it would keep every privilege: the sandbox (a mount namespace with only /etc and
  // /run, capabilities but CAP_NET_BIND_SERVICE dropped; user-mode.ts starts it in a private
  // mount namespace for it) and its seccomp filter. Rootless it runs as the user, whose own
  // process it is.
  if (target.asRoot) args.push('--enable-sandbox', '--enable-seccomp');
  args.push(`--ready-fd=${readyFd}`);
  if (apiSocket) args.push(`--api-socket=${apiSocket}`);
  if (target.usernsPath) args.push(`--userns-path=${target.usernsPath}`);
  args.push('--netns-type=path', target.netnsPath, SLIRP_INTERFACE);
  return args;
}

/** The API request that publishes PORT (slirp4netns's add_hostfwd). */
export function hostForwardRequest(options: SlirpOptions, port: PortForward): string {
  return JSON.stringify({
    execute: 'add_hostfwd',
    arguments: {
      proto: port.protocol,
      host_addr: port.hostAddress ?? '0.0.0.0',
      host_port: port.hostPort,
      guest_addr: slirpAddress(options, 100),
      guest_port: port.containerPort,
    },
  });
}

/** Sends one request to the API socket; rejects with slirp4netns's own description of a failure. */
export async function slirpRequest(socket: string, request: string): Promise<unknown> {
  const { createConnection } = await import('node:net');
  const reply = await new Promise<string>((resolve, reject) => {
    let text = '';
    const connection = createConnection(socket);
    connection.setEncoding('utf8');
    connection.setTimeout(5000, () => connection.destroy(new Error('no reply within 5 s')));
    connection.on('connect', () => connection.end(request));
    connection.on('data', (chunk: string) => (text += chunk));
    connection.on('end', () => resolve(text));
    connection.on('error', reject);
  });
  let parsed: { return?: unknown; error?: { desc?: string } };
  try {
    parsed = JSON.parse(reply);
  } catch {
    throw new ContainerError(`slirp4netns answered ${JSON.stringify(reply.slice(0, 200))}, not JSON`, { code: 'host' });
  }
  if (parsed.error) throw new ContainerError(`slirp4netns refused it: ${parsed.error.desc ?? JSON.stringify(parsed.error)}`, { code: 'host' });
  return parsed.return;
}
