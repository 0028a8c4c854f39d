/**
 * Published ports (`-p, --publish [HOSTADDR:]HOSTPORT:CONTAINERPORT[/tcp|udp]`,
 * podman's form): a host port that the user-mode network helper forwards
 * to a port of the container.
 */
import { ContainerError } from '../errors.js';
import { quote } from '../quote.js';
import { familyOf } from './address.js';

export type PortProtocol = 'tcp' | 'udp';

export interface PortForward {
  /** The host address to listen on; unset: every address. */
  hostAddress?: string;
  hostPort: number;
  containerPort: number;
  protocol: PortProtocol;
}

const FORM = '[HOSTADDR:]HOSTPORT:CONTAINERPORT[/tcp|udp], e.g. 8080:80 or 127.0.0.1:5353:53/udp';

export function parsePortForward(text: string): PortForward {
  const bad = (why: string) => new ContainerError(`invalid published port ${quote(text)}: ${why}; expected ${FORM}`, { code: 'invalid-spec' });
  let rest = text;
  let protocol: PortProtocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const name = rest.slice(slash + 1);
    if (name !== 'tcp' && name !== 'udp') throw bad(`unknown protocol ${quote(name)}`);
    protocol = name;
    rest = rest.slice(0, slash);
  }
  let hostAddress: string | undefined;
  // An IPv6 host address is written in brackets: [::1]:8080:80.
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(rest);
  if (bracketed) {
    hostAddress = bracketed[1]!;
    rest = bracketed[2]!;
    if (familyOf(hostAddress) !== 6) throw bad(`${quote(hostAddress)} is not an IPv6 address`);
  }
  const parts = rest.split(':');
  if (!bracketed && parts.length === 3) {
    hostAddress = parts.shift()!;
    if (familyOf(hostAddress) !== 4) throw bad(`${quote(hostAddress)} is not an IPv4 address (write an IPv6 one in brackets)`);
  }
  if (parts.length !== 2) throw bad('a host port and a container port are needed');
  const [hostPort, containerPort] = parts.map((part) => {
    const port = Number(part);
    if (!/^\d{1,5}$/.test(part) || port < 1 || port > 65535) throw bad(`${quote(part)} is not a port number (1-65535)`);
    return port;
  }) as [number, number];
  return { ...(hostAddress !== undefined ? { hostAddress } : {}), hostPort, containerPort, protocol };
}

/** The stored form, which parsePortForward reads back. */
export function formatPortForward(port: PortForward): string {
  const address = port.hostAddress === undefined ? '' : familyOf(port.hostAddress) === 6 ? `[${port.hostAddress}]:` : `${port.hostAddress}:`;
  return `${address}${port.hostPort}:${port.containerPort}/${port.protocol}`;
}

/** A second forward of the same host port and protocol on an overlapping address, in words; undefined if none. */
export function duplicatePort(ports: readonly PortForward[]): string | undefined {
  for (let i = 0; i < ports.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [ports[i]!, ports[j]!];
      const overlap = a.hostAddress === undefined || b.hostAddress === undefined || a.hostAddress === b.hostAddress;
      if (a.protocol === b.protocol && a.hostPort === b.hostPort && overlap) return `host port ${a.hostPort}/${a.protocol} is published twice`;
    }
  }
  return undefined;
}
