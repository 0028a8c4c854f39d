/**
 * A closed world for user-mode networking tests. pasta and slirp4netns
 * carry a container's traffic through sockets of the network namespace
 * they run in, so ts-nspawn runs inside a network namespace this helper
 * makes: an "uplink" veth with a private address and a default route
 * whose gateway does not exist (so nothing leaves the namespace), and a
 * "server" veth whose address the test's servers listen on. The veth
 * peers stay inside the namespace too.
 *
 * Commands run there through `nsenter --net=/run/netns/NAME`, in a
 * private mount namespace (`unshare -m`) where the test may bind its own
 * /etc/resolv.conf (the helpers' DNS forwarders read the host's), a 0666
 * /dev/net/tun for an ordinary user (on a tmpfs over /dev/net: the host's
 * node is not touched), or hide a program.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { addNetns, deleteNetns } from './netns.js';

const SERVER_SCRIPT = fileURLToPath(new URL('./netns-server.mjs', import.meta.url));
const HELPER_COMMANDS = new Set(['pasta', 'pasta.avx2', 'passt', 'passt.avx2', 'slirp4netns']);

export const UPLINK = { address: '10.99.0.1', prefix: 24, gateway: '10.99.0.254' };
export const SERVER = { address: '10.98.0.1', prefix: 24 };

export interface UserTestNetwork {
  name: string;
  /** Starts a server of netns-server.mjs inside the namespace; resolves once it listens. */
  server(args: string[]): Promise<ChildProcess>;
  /** The helper processes (pasta, slirp4netns) whose network namespace this one is. */
  helpers(): number[];
  remove(): void;
}

export function makeUserTestNetwork(): UserTestNetwork {
  const name = `tsn-unet-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const servers: ChildProcess[] = [];
  addNetns(name);
  const commands = [
    'link set lo up',
    'link add tsnup0 type veth peer name tsnup1',
    'link set tsnup0 up',
    'link set tsnup1 up',
    `address add ${UPLINK.address}/${UPLINK.prefix} dev tsnup0`,
    `route add default via ${UPLINK.gateway} dev tsnup0`,
    'link add tsnsrv0 type veth peer name tsnsrv1',
    'link set tsnsrv0 up',
    'link set tsnsrv1 up',
    `address add ${SERVER.address}/${SERVER.prefix} dev tsnsrv0`,
  ];
  try {
    execFileSync('nsenter', [`--net=/run/netns/${name}`, 'ip', '-b', '-'], { input: commands.join('\n') + '\n' });
  } catch (error) {
    deleteNetns(name);
    throw error;
  }
  const inode = statSync(`/run/netns/${name}`).ino;
  return {
    name,
    async server(args) {
      const child = spawn('nsenter', [`--net=/run/netns/${name}`, process.execPath, SERVER_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      servers.push(child);
      await new Promise<void>((resolve, reject) => {
        let errors = '';
        child.stderr!.on('data', (chunk) => (errors += chunk));
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`server ${args.join(' ')} exited ${code}: ${errors}`)));
      });
      return child;
    },
    helpers() {
      const found: number[] = [];
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          if (!HELPER_COMMANDS.has(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) continue;
          if (readlinkSync(`/proc/${entry}/ns/net`) === `net:[${inode}]`) found.push(Number(entry));
        } catch {
          // ended meanwhile, or a zombie (no namespaces any more)
        }
      }
      return found;
    },
    remove() {
      try {
        for (const child of servers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      } finally {
        deleteNetns(name);
      }
    },
  };
}

export interface PrivateMounts {
  /** Bound over /etc/resolv.conf. */
  resolvConf?: string;
  /** A tmpfs on /dev/net with a tun node anyone may open (`open`), only root (`closed`, as on many hosts), or none (`missing`). */
  tun?: 'open' | 'closed' | 'missing';
  /** Host files covered with /dev/null (a program that then is "not installed"). */
  hide?: string[];
}

/** ARGV run in the test network, in a private mount namespace set up as asked (as root, before ARGV runs). */
export function inTestNetwork(network: string, mounts: PrivateMounts, argv: string[]): string[] {
  const setup: string[] = ['set -e'];
  if (mounts.resolvConf) setup.push(`mount --bind ${mounts.resolvConf} /etc/resolv.conf`);
  if (mounts.tun) setup.push('mount -t tmpfs -o mode=0755 tsn-test-tun /dev/net');
  if (mounts.tun === 'open' || mounts.tun === 'closed') setup.push(`mknod -m ${mounts.tun === 'open' ? '0666' : '0600'} /dev/net/tun c 10 200`);
  for (const path of mounts.hide ?? []) setup.push(`mount --bind /dev/null ${path}`);
  return ['nsenter', `--net=/run/netns/${network}`, 'unshare', '-m', 'sh', '-c', `${setup.join('\n')}\nexec "$@"`, 'sh', ...argv];
}
