/** Parsing and checking of the static addresses given with --address and --gateway. */
import { ContainerError } from '../errors.js';

export type Family = 4 | 6;

export interface InterfaceAddress {
  address: string;
  prefix: number;
  family: Family;
}

export function parseInterfaceAddress(text: string): InterfaceAddress {
  const slash = text.lastIndexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = familyOf(address);
  if (!family) {
    throw new ContainerError(`invalid address '${text}': expected ADDR/PREFIX such as 10.0.0.2/24 or fd00::2/64`, { code: 'invalid-spec' });
  }
  if (slash < 0) {
    throw new ContainerError(`address '${text}' has no prefix length: write it as ${address}/${family === 4 ? 24 : 64}`, { code: 'invalid-spec' });
  }
  const prefixText = text.slice(slash + 1);
  const maxPrefix = family === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > maxPrefix) {
    throw new ContainerError(`invalid prefix length in '${text}': expected a number from 0 to ${maxPrefix}`, { code: 'invalid-spec' });
  }
  return { address, prefix, family };
}

export function parseGateway(text: string): { address: string; family: Family } {
  const family = familyOf(text);
  if (!family) throw new ContainerError(`invalid gateway '${text}': expected an IPv4 or IPv6 address without a prefix`, { code: 'invalid-spec' });
  return { address: text, family };
}

export function familyOf(address: string): Family | undefined {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return undefined;
}

// Dotted-quad only: no shorthand like "10.1", no leading zeros.
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIPv4(address: string): boolean {
  return IPV4.test(address);
}

/**
 * The WHATWG URL parser validates IPv6 literals exactly (and is built into
 * both Node.js and Bun at no load cost, unlike node:net).
 */
function isIPv6(address: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(address) || !address.includes(':')) return false;
  try {
    new URL(`http://[${address}]/`);
    return true;
  } catch {
    return false;
  }
}

/** True when `address` lies in the subnet of `network` (same family). */
export function inSubnet(address: string, network: InterfaceAddress): boolean {
  if (familyOf(address) !== network.family) return false;
  const bits = network.family === 4 ? 32 : 128;
  const hostBits = BigInt(bits - network.prefix);
  return toBigInt(address) >> hostBits === toBigInt(network.address) >> hostBits;
}

function toBigInt(address: string): bigint {
  if (isIPv4(address)) {
    return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
  }
  return ipv6Groups(address).reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** The eight 16-bit groups of an IPv6 address, with :: and a dotted IPv4 tail expanded. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const octets = dotted[1].split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1].length) + `${((octets[0] << 8) | octets[1]).toString(16)}:${((octets[2] << 8) | octets[3]).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const headGroups = parse(head);
  const tailGroups = tail === undefined ? [] : parse(tail);
  const zeros = new Array(8 - headGroups.length - tailGroups.length).fill(0);
  return [...headGroups, ...zeros, ...tailGroups];
}
