/**
 * A private network for network tests: a network namespace made by the
 * test, holding a bridge with addresses. Containers are started inside it
 * (nsenter --net=...), so tests never touch the machine's own interfaces.
 */
import { execFileSync } from 'node:child_process';

export interface TestNetwork {
  name: string;
  bridge: string;
  remove(): void;
}

export function makeTestNetwork(addresses: string[], bridge = 'tsnbr0'): TestNetwork {
  const name = `tsn-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  execFileSync('ip', ['netns', 'add', name]);
  const commands = [`link add name ${bridge} type bridge`, `link set ${bridge} up`, 'link set lo up'];
  for (const address of addresses) commands.push(`address add ${address} dev ${bridge}${address.includes(':') ? ' nodad' : ''}`);
  try {
    execFileSync('nsenter', [`--net=/run/netns/${name}`, 'ip', '-b', '-'], { input: commands.join('\n') + '\n' });
  } catch (error) {
    execFileSync('ip', ['netns', 'delete', name]);
    throw error;
  }
  return { name, bridge, remove: () => execFileSync('ip', ['netns', 'delete', name]) };
}

export function netnsLinks(name: string): string[] {
  return execFileSync('nsenter', [`--net=/run/netns/${name}`, 'ip', '-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
    .filter(Boolean)
    .sort();
}
