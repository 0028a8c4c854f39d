/**
 * pasta's command line for a container: podman's defaults (nothing
 * forwarded but the published ports, no way to the host's loopback, a DNS
 * forwarder), the user's own options after them, then what only the
 * runtime sets: the namespaces, as descriptors it opened from init
 * (/proc/self/fd/N), and the file pasta writes its PID to once the
 * container's interface is up.
 */
import type { PortForward } from './ports.js';
import { optionValues, PASTA_DNS_FORWARD, PASTA_MAP_GW, type UserNetwork } from './user-network.js';

export interface HelperTarget {
  /** The container's network namespace, as pasta can open it. */
  netnsPath: string;
  /** Its user namespace, when it has one of its own (pasta joins it to own the network namespace). */
  usernsPath?: string;
  /** The runtime runs as root. */
  asRoot: boolean;
}

export function pastaArguments(network: UserNetwork, target: HelperTarget, pidFile: string): string[] {
  const own = network.options.filter((option) => option !== PASTA_MAP_GW);
  const given = (short: string, long: string) =>
    own.some((option) => option === long || option.startsWith(`${long}=`) || option.startsWith(short));
  const args = ['--config-net', '--quiet'];
  // Host to container: only what is published. pasta's default would forward every port bound in the container.
  for (const [protocol, short, long] of [['tcp', '-t', '--tcp-ports'], ['udp', '-u', '--udp-ports']] as const) {
    const ports = network.ports.filter((port) => port.protocol === protocol);
    for (const port of ports) args.push(short, portSpec(port));
    if (ports.length === 0 && !given(short, long)) args.push(short, 'none');
  }
  // Container to host: by default pasta would forward the container's connections to its own
  // loopback ports on to the host's, and connections to the gateway to the host's loopback.
  if (!given('-T', '--tcp-ns')) args.push('-T', 'none');
  if (!given('-U', '--udp-ns')) args.push('-U', 'none');
  if (!network.options.includes(PASTA_MAP_GW)) args.push('--no-map-gw');
  if (optionValues(own, '--dns-forward').length === 0) args.push('--dns-forward', PASTA_DNS_FORWARD);
  args.push(...own);
  // As root pasta changes to nobody before it joins the namespaces, and then may no longer join
  // them (it keeps no capability to, up to passt 2023); as root it keeps only CAP_SYS_ADMIN and
  // CAP_NET_BIND_SERVICE, in namespaces and a seccomp filter of its own.
  if (target.asRoot) args.push('--runas', '0');
  args.push('--pid', pidFile);
  if (target.usernsPath) args.push('--userns', target.usernsPath);
  args.push('--netns', target.netnsPath);
  return args;
}

/** `-t [ADDR/]HOSTPORT:CONTAINERPORT` */
function portSpec(port: PortForward): string {
  return `${port.hostAddress === undefined ? '' : `${port.hostAddress}/`}${port.hostPort}:${port.containerPort}`;
}
