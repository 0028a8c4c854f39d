/**
 * User-mode networking, as podman does it: the container keeps a network
 * namespace of its own, and a helper on the host -- pasta (package passt)
 * or slirp4netns -- gives it an interface, addresses, a default route and a
 * DNS forwarder, carrying its traffic through ordinary sockets of the
 * host's network. It needs no root, so it is what rootless containers have
 * besides loopback.
 *
 * This module is the model: the helper, its options (checked here, once),
 * the published ports, and what the container's resolv.conf names. Starting
 * and stopping the helper is user-mode.ts.
 */
import { ContainerError } from '../errors.js';
import { quote } from '../quote.js';
import { familyOf } from './address.js';
import type { PortForward } from './ports.js';

export type UserNetworkHelper = 'pasta' | 'slirp4netns';
export const USER_NETWORK_HELPERS: readonly UserNetworkHelper[] = ['pasta', 'slirp4netns'];

/** The Debian package each helper comes in. */
export const HELPER_PACKAGE: Record<UserNetworkHelper, string> = { pasta: 'passt', slirp4netns: 'slirp4netns' };

export interface UserNetwork {
  helper: UserNetworkHelper;
  /**
   * pasta: its own command-line arguments, added to the runtime's (podman's
   * `--network=pasta:-T,auto`), plus `--map-gw`, which lets connections to
   * the gateway address reach the host's loopback. slirp4netns: podman's
   * KEY=VALUE options (see SLIRP_OPTIONS).
   */
  options: string[];
  ports: PortForward[];
}

/**
 * pasta's arguments the runtime sets itself: which namespaces, how it
 * runs, where its PID goes. Given again they would point it elsewhere.
 */
const PASTA_RUNTIME_OPTIONS = ['--netns', '--userns', '--netns-only', '--no-netns-quit', '--pid', '--foreground', '--runas', '--help', '--version'];
const PASTA_RUNTIME_SHORT = ['-P', '-f', '-h'];

/** Not a pasta option: podman's, dropping the runtime's --no-map-gw. */
export const PASTA_MAP_GW = '--map-gw';

/** What a container resolves names with when pasta is not told otherwise: pasta forwards it to the host's resolver. */
export const PASTA_DNS_FORWARD = '169.254.1.1';

export interface SlirpOptions {
  /** Connections to the gateway (10.0.2.2) may reach the host's loopback. Default false. */
  allowHostLoopback: boolean;
  /** The container's network: it is .100, the gateway .2, the DNS forwarder .3. */
  cidr: { network: string; prefix: number };
  enableIPv6: boolean;
  mtu: number;
  outboundAddr?: string;
  outboundAddr6?: string;
}

const SLIRP_DEFAULTS: SlirpOptions = { allowHostLoopback: false, cidr: { network: '10.0.2.0', prefix: 24 }, enableIPv6: false, mtu: 65520 };
const SLIRP_KEYS = ['allow_host_loopback', 'cidr', 'enable_ipv6', 'mtu', 'outbound_addr', 'outbound_addr6'];

/** Why the helper's options cannot be used as given, in words; undefined if they can. */
export function helperOptionsProblem(network: Pick<UserNetwork, 'helper' | 'options'>): string | undefined {
  if (!USER_NETWORK_HELPERS.includes(network.helper)) return `unknown user-mode network helper ${quote(network.helper)}: use pasta or slirp4netns`;
  const nul = network.options.find((option) => option.includes('\0') || option === '');
  if (nul !== undefined) return `${network.helper} options must be non-empty and hold no NUL byte`;
  if (network.helper === 'pasta') {
    const owned = network.options.find(isRuntimePastaOption);
    if (owned !== undefined) return `the pasta option ${quote(owned)} is set by ts-nspawn itself (the container's namespaces, how pasta runs): leave it out`;
  } else {
    try {
      slirpOptions(network.options);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}

function isRuntimePastaOption(option: string): boolean {
  if (option.startsWith('--')) return PASTA_RUNTIME_OPTIONS.includes(option.split('=')[0]!);
  return PASTA_RUNTIME_SHORT.some((short) => option.startsWith(short));
}

/** podman's slirp4netns options (allow_host_loopback=true, cidr=10.5.0.0/24, ...), read and checked. */
export function slirpOptions(options: readonly string[]): SlirpOptions {
  const result: SlirpOptions = { ...SLIRP_DEFAULTS };
  const bad = (option: string, why: string) => new ContainerError(`invalid slirp4netns option ${quote(option)}: ${why}`, { code: 'invalid-spec' });
  for (const option of options) {
    const equals = option.indexOf('=');
    const key = equals < 0 ? option : option.slice(0, equals);
    const value = equals < 0 ? '' : option.slice(equals + 1);
    const bool = () => {
      if (value !== 'true' && value !== 'false') throw bad(option, 'expected true or false');
      return value === 'true';
    };
    switch (key) {
      case 'allow_host_loopback':
        result.allowHostLoopback = bool();
        break;
      case 'enable_ipv6':
        result.enableIPv6 = bool();
        break;
      case 'mtu': {
        const mtu = Number(value);
        if (!/^\d{2,5}$/.test(value) || mtu < 68 || mtu > 65521) throw bad(option, 'expected an MTU from 68 to 65521');
        result.mtu = mtu;
        break;
      }
      case 'cidr':
        result.cidr = slirpCidr(value, (why) => bad(option, why));
        break;
      case 'outbound_addr':
      case 'outbound_addr6': {
        const family = key === 'outbound_addr' ? 4 : 6;
        if (familyOf(value) !== family && !/^[^\s/:]{1,15}$/.test(value)) throw bad(option, `expected an IPv${family} address or an interface name`);
        if (key === 'outbound_addr') result.outboundAddr = value;
        else result.outboundAddr6 = value;
        break;
      }
      default:
        throw bad(option, `unknown option (known: ${SLIRP_KEYS.join(', ')}, each as KEY=VALUE)`);
    }
  }
  return result;
}

/** An IPv4 network of at most /25: the container's address is its .100. */
function slirpCidr(text: string, bad: (why: string) => Error): SlirpOptions['cidr'] {
  const [network = '', prefixText = ''] = text.split('/');
  const prefix = Number(prefixText);
  if (familyOf(network) !== 4 || !/^\d{1,2}$/.test(prefixText) || prefix < 1 || prefix > 25) {
    throw bad('expected an IPv4 network of /1 to /25 such as 10.0.2.0/24 (the container gets its .100)');
  }
  const value = ipv4Number(network);
  const hostBits = 32 - prefix;
  if (value % 2 ** hostBits !== 0) throw bad(`${network} has host bits set for /${prefix}`);
  return { network, prefix };
}

function ipv4Number(address: string): number {
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function ipv4Text(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The address at OFFSET in slirp4netns's network (.2 gateway, .3 DNS, .100 the container). */
export function slirpAddress(options: SlirpOptions, offset: number): string {
  return ipv4Text(ipv4Number(options.cidr.network) + offset);
}

/** The nameservers the container's resolv.conf names: the helper's DNS forwarder. */
export function dnsServers(network: UserNetwork): string[] {
  if (network.helper === 'slirp4netns') {
    const options = slirpOptions(network.options);
    return [slirpAddress(options, 3), ...(options.enableIPv6 ? ['fd00::3'] : [])];
  }
  const given = optionValues(network.options, '--dns-forward');
  return given.length > 0 ? given : [PASTA_DNS_FORWARD];
}

/** The values of a pasta option given as `--name VALUE` or `--name=VALUE`. */
export function optionValues(options: readonly string[], name: string): string[] {
  const values: string[] = [];
  options.forEach((option, index) => {
    if (option === name && index + 1 < options.length) values.push(options[index + 1]!);
    else if (option.startsWith(`${name}=`)) values.push(option.slice(name.length + 1));
  });
  return values;
}
