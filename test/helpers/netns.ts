/**
 * A private network for network tests: a network namespace made by the
 * test, holding a bridge with addresses. Containers are started inside it
 * (nsenter --net=...), so tests never touch the machine's own interfaces.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * `ip netns add` makes /run/netns a mount point (bound on itself, shared)
 * the first time it is used on a host, and leaves it. Where the tests were
 * the first, they undo it once their last network is gone, so a fresh
 * machine is left as it was.
 */
const RUN_NETNS = '/run/netns';
let madeNetnsMount = false;

function isMountPoint(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === path);
}

/** `ip netns add NAME`, noting whether it made /run/netns a mount point. */
export function addNetns(name: string): void {
  if (!isMountPoint(RUN_NETNS)) madeNetnsMount = true;
  execFileSync('ip', ['netns', 'add', name]);
}

/** `ip netns delete NAME`; the last one of ours also takes the /run/netns mount we made. */
export function deleteNetns(name: string): void {
  execFileSync('ip', ['netns', 'delete', name]);
  if (!madeNetnsMount || readdirSync(RUN_NETNS).length > 0 || !isMountPoint(RUN_NETNS)) return;
  execFileSync('umount', [RUN_NETNS]);
  madeNetnsMount = false;
}

export interface TestNetwork {
  name: string;
  bridge: string;
  remove(): void;
}

export function makeTestNetwork(addresses: string[], bridge = 'tsnbr0'): TestNetwork {
  const name = `tsn-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  addNetns(name);
  const commands = [`link add name ${bridge} type bridge`, `link set ${bridge} up`, 'link set lo up'];
  for (const address of addresses) commands.push(`address add ${address} dev ${bridge}${address.includes(':') ? ' nodad' : ''}`);
  try {
    execFileSync('nsenter', [`--net=/run/netns/${name}`, 'ip', '-b', '-'], { input: commands.join('\n') + '\n' });
  } catch (error) {
    deleteNetns(name);
    throw error;
  }
  return { name, bridge, remove: () => deleteNetns(name) };
}

export function netnsLinks(name: string): string[] {
  return execFileSync('nsenter', [`--net=/run/netns/${name}`, 'ip', '-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
    .filter(Boolean)
    .sort();
}
