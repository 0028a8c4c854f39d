/** What the host tells the bootstrap: its Debian release, architecture and tools. */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const FALLBACK_SUITE = 'bookworm';

/** Parses os-release(5) text into its fields (quotes and escapes removed). */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*?)\s*$/.exec(line);
    if (!match) continue;
    let value = match[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\(["\\`$])/g, '$1');
    }
    fields[match[1]!] = value;
  }
  return fields;
}

/** The suite to bootstrap by default: the host's own code name on Debian, else bookworm. */
export function defaultSuiteFrom(osReleaseText: string | undefined): string {
  if (osReleaseText === undefined) return FALLBACK_SUITE;
  const fields = parseOsRelease(osReleaseText);
  const codename = fields.VERSION_CODENAME;
  if (fields.ID === 'debian' && codename && /^[a-z][a-z0-9-]*$/.test(codename)) return codename;
  return FALLBACK_SUITE;
}

export function readOsRelease(): string | undefined {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      // try the next
    }
  }
  return undefined;
}

/** The host's default suite (see defaultSuiteFrom). */
export function hostDefaultSuite(): string {
  return defaultSuiteFrom(readOsRelease());
}

/** The host's code name if it runs Debian (used to recognise its mirror's suites). */
export function hostCodename(): string | undefined {
  const text = readOsRelease();
  return text === undefined ? undefined : parseOsRelease(text).VERSION_CODENAME || undefined;
}

const NODE_TO_DEBIAN_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'armhf',
  ia32: 'i386',
  ppc64: 'ppc64el',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64el: 'mips64el',
  loong64: 'loong64',
};

/** The host's Debian architecture: `dpkg --print-architecture`, or derived from Node's. */
export function hostArchitecture(): string {
  try {
    const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (arch) return arch;
  } catch {
    // no dpkg: fall through
  }
  return NODE_TO_DEBIAN_ARCH[process.arch] ?? process.arch;
}

/** The absolute path of an executable on PATH (plus the sbin directories), or undefined. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  const dirs = [...path.split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
