/**
 * Options of `bootstrap` and their validation: BootstrapOptions (what a
 * caller gives) -> ResolvedBootstrap (every value checked and defaulted). Pure
 * apart from the host facts passed in, so it is tested without a host.
 */
import { resolve } from 'node:path';
import { ContainerError } from '../errors.js';
import { machineNameFrom } from '../oci/build-spec.js';

export type BootstrapTool = 'mmdebstrap' | 'debootstrap';

/** The steps a bootstrap goes through, in order. */
export const PHASES = ['resolving', 'downloading', 'extracting', 'installing', 'configuring'] as const;
export type BootstrapPhase = (typeof PHASES)[number];

export interface BootstrapOptions {
  /** The directory to create the tree in: missing or empty, or any with `force`. */
  directory: string;
  /** Debian suite (default: the host's release code name on Debian, else bookworm). */
  suite?: string;
  /** Packages to install beside the base set (entries may also be comma-separated lists). */
  include?: string[];
  /** mmdebstrap variant (default minbase). */
  variant?: string;
  /** Debian architecture (default: the host's, `dpkg --print-architecture`). */
  arch?: string;
  /** Package mirror URL (default: the Debian mirror of the host's apt sources). */
  mirror?: string;
  /** A root password to set (hashed); without it root logs in without one. */
  rootPassword?: string;
  /** Log root in automatically on the console. */
  autologin?: boolean;
  /** Replace a non-empty directory (only once the new tree is complete). */
  force?: boolean;
  /** Called as the bootstrap moves on: the phase, and what it is doing in it. */
  onProgress?: (phase: BootstrapPhase, detail?: string) => void;
  /** Aborting it stops the bootstrap and removes the partial tree. */
  signal?: AbortSignal;
  /** The tool to use (default: mmdebstrap if installed, else debootstrap). */
  tool?: BootstrapTool;
  /**
   * Where to keep the tool's full output. Default: a file in the temp
   * directory, removed after a success and named in the error after a failure.
   */
  logFile?: string;
}

/** Installed in every tree: enough to boot with systemd and use the network. */
export const BASE_PACKAGES = ['systemd-sysv', 'iproute2', 'iputils-ping', 'procps', 'dbus'] as const;

export const DEFAULT_VARIANT = 'minbase';

/** mmdebstrap variants that give an installed system (not extract/custom). */
export const VARIANTS = ['essential', 'apt', 'required', 'minbase', 'buildd', 'important', 'debootstrap', 'standard'] as const;

export interface ResolvedBootstrap {
  /** Absolute path of the tree to create. */
  directory: string;
  /** /etc/hostname: the directory's base name made a valid hostname. */
  hostname: string;
  suite: string;
  variant: string;
  arch: string;
  mirror: string;
  /** BASE_PACKAGES plus the extra ones, without duplicates. */
  packages: string[];
  rootPassword?: string;
  autologin: boolean;
  force: boolean;
}

/** What the plan needs to know about the host (injected, so tests need none). */
export interface HostFacts {
  defaultSuite: string;
  arch: string;
  /** The host's Debian mirror for `suite`, or undefined if its apt sources have none. */
  findMirror: (suite: string) => string | undefined;
}

const SUITE = /^[a-z0-9][a-z0-9.+-]{0,63}$/;
const ARCH = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** name[:arch][=version | /release], as apt-get install takes it. */
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+|\/[a-z0-9.+-]+)?$/;

export function resolveBootstrap(options: BootstrapOptions, host: HostFacts): ResolvedBootstrap {
  if (typeof options.directory !== 'string' || options.directory === '') {
    throw new ContainerError('no directory given: say where to create the tree, e.g. ts-nspawn bootstrap /var/lib/machines/debian');
  }
  checkNoControl(options.directory, 'directory');
  const directory = resolve(options.directory);
  if (directory === '/') throw new ContainerError("refusing to bootstrap into '/': give a directory for the new tree");

  const suite = options.suite ?? host.defaultSuite;
  if (!SUITE.test(suite)) {
    throw new ContainerError(`invalid suite '${suite}': give a Debian release name such as bookworm, trixie, stable or sid`);
  }
  const variant = options.variant ?? DEFAULT_VARIANT;
  if (!(VARIANTS as readonly string[]).includes(variant)) {
    throw new ContainerError(`invalid variant '${variant}': choose one of ${VARIANTS.join(', ')}`);
  }
  const arch = options.arch ?? host.arch;
  if (!ARCH.test(arch)) {
    throw new ContainerError(`invalid architecture '${arch}': give a Debian architecture name such as amd64 or arm64`);
  }
  const packages = [...BASE_PACKAGES as readonly string[]];
  for (const entry of options.include ?? []) {
    for (const name of entry.split(',').map((item) => item.trim())) {
      if (name === '') continue;
      if (!PACKAGE.test(name)) {
        throw new ContainerError(
          `invalid package '${name}' in --include: give Debian package names (lower-case letters, digits, + - .) separated by commas`,
        );
      }
      if (!packages.includes(name)) packages.push(name);
    }
  }
  let mirror: string;
  if (options.mirror !== undefined) {
    mirror = checkMirror(options.mirror);
  } else {
    const found = host.findMirror(suite);
    if (found === undefined) {
      throw new ContainerError(
        'no Debian mirror found in the host\'s apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/): give one with --mirror URL',
      );
    }
    mirror = found;
  }
  if (options.rootPassword !== undefined) {
    if (options.rootPassword === '') {
      throw new ContainerError('empty --root-password: leave the option out to let root log in on the console without a password');
    }
    if (/[\0\n\r]/.test(options.rootPassword)) {
      throw new ContainerError('invalid --root-password: it must not contain a newline or NUL character');
    }
  }
  return {
    directory,
    hostname: machineNameFrom(directory),
    suite,
    variant,
    arch,
    mirror,
    packages,
    ...(options.rootPassword !== undefined ? { rootPassword: options.rootPassword } : {}),
    autologin: options.autologin ?? false,
    force: options.force ?? false,
  };
}

function checkMirror(mirror: string): string {
  const bad = () =>
    new ContainerError(`invalid --mirror '${mirror}': give the URL of a Debian archive, e.g. http://HOST/debian`);
  if (/[\s\0]/.test(mirror) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(mirror) || /^cdrom:/i.test(mirror)) throw bad();
  try {
    new URL(mirror);
  } catch {
    throw bad();
  }
  return mirror;
}

function checkNoControl(text: string, what: string): void {
  if (/[\0-\x1f]/.test(text)) throw new ContainerError(`invalid ${what} ${JSON.stringify(text)}: it contains a control character`);
}

