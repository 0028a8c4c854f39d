/**
 * Makes a freshly bootstrapped tree boot and be usable, working on its
 * files from the host (nothing runs inside the tree):
 * - /etc/hostname: the machine's name;
 * - /etc/machine-id: present and empty, so systemd treats the first boot
 *   as such and makes an id (and dbus's own copy removed);
 * - /etc/hosts, if the tree has none: localhost and the hostname;
 * - root's password: none (`root::` in /etc/shadow, so root logs in on the
 *   console without one) or the given one, SHA-512-crypt hashed;
 * - /etc/securetty, if there is one: `console` and `pts/0` allowed;
 * - with autologin: drop-ins that make the console getty (and the VT and
 *   container pts gettys) log root in.
 * Getty units are otherwise left alone: the console survives vhangup.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ContainerError } from '../errors.js';
import { hashPassword } from './password-hash.js';

export interface TreeSettings {
  hostname: string;
  rootPassword?: string;
  autologin?: boolean;
}

/** Where getty units' drop-ins go, and the agetty line with autologin for each. */
export const AUTOLOGIN_DROPINS: Record<string, string> = {
  // systemd's console-getty.service runs agetty on stdin (TTYPath=/dev/console).
  'console-getty.service': '-/sbin/agetty --autologin root --noclear --keep-baud - 115200,38400,9600 $TERM',
  'container-getty@.service': '-/sbin/agetty --autologin root --noclear - $TERM',
  'getty@.service': '-/sbin/agetty --autologin root --noclear - $TERM',
};

export function configureTree(root: string, settings: TreeSettings): void {
  writeEtc(root, 'etc/hostname', `${settings.hostname}\n`);
  writeEtc(root, 'etc/machine-id', '');
  removeIfFile(join(root, 'var/lib/dbus/machine-id'));
  if (!existsSync(join(root, 'etc/hosts'))) {
    writeEtc(root, 'etc/hosts', hostsFile(settings.hostname));
  }
  const shadowPath = join(root, 'etc/shadow');
  const shadow = readText(shadowPath, '/etc/shadow');
  const hash = settings.rootPassword === undefined ? '' : hashPassword(settings.rootPassword);
  writeFileSync(shadowPath, setRootPassword(shadow, hash));
  const securetty = join(root, 'etc/securetty');
  if (existsSync(securetty)) writeFileSync(securetty, addSecuretty(readText(securetty, '/etc/securetty')));
  if (settings.autologin) {
    for (const [unit, execStart] of Object.entries(AUTOLOGIN_DROPINS)) {
      writeEtc(root, `etc/systemd/system/${unit}.d/autologin.conf`, autologinDropin(execStart));
    }
  }
  removeDownloadedPackages(root);
  chmodSync(root, 0o755);
}

export function hostsFile(hostname: string): string {
  return `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n`;
}

/** /etc/shadow text with root's password field set to `hash` ('' for none). */
export function setRootPassword(shadow: string, hash: string): string {
  let found = false;
  const lines = shadow.split('\n').map((line) => {
    if (!line.startsWith('root:')) return line;
    found = true;
    const fields = line.split(':');
    fields[1] = hash;
    return fields.join(':');
  });
  if (!found) throw new ContainerError("the new tree's /etc/shadow has no root entry: the bootstrap did not install base-passwd/passwd");
  return lines.join('\n');
}

/** /etc/securetty text with `console` and `pts/0` in it. */
export function addSecuretty(text: string): string {
  const present = new Set(text.split('\n').map((line) => line.trim()));
  let out = text;
  for (const tty of ['console', 'pts/0']) {
    if (present.has(tty)) continue;
    if (out !== '' && !out.endsWith('\n')) out += '\n';
    out += `${tty}\n`;
  }
  return out;
}

export function autologinDropin(execStart: string): string {
  return `# Written by ts-nspawn bootstrap --autologin: log root in on this terminal.\n[Service]\nExecStart=\nExecStart=${execStart}\n`;
}

function writeEtc(root: string, relative: string, content: string): void {
  const path = join(root, relative);
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  // A symlink here would point outside the tree as seen from the host.
  removeIfLink(path);
  writeFileSync(path, content, { mode: 0o644 });
  chmodSync(path, 0o644);
}

function removeIfLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) rmSync(path);
  } catch {
    // absent
  }
}

function removeIfFile(path: string): void {
  try {
    if (lstatSync(path).isFile()) rmSync(path);
  } catch {
    // absent
  }
}

function readText(path: string, name: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ContainerError(`cannot read the new tree's ${name}: ${(error as Error).message}`);
  }
}

/** debootstrap leaves the .deb files in apt's cache; mmdebstrap has removed them already. */
function removeDownloadedPackages(root: string): void {
  const archives = join(root, 'var/cache/apt/archives');
  let names: string[] = [];
  try {
    names = readdirSync(archives);
  } catch {
    return;
  }
  for (const name of names) if (name.endsWith('.deb')) rmSync(join(archives, name), { force: true });
}
