/**
 * The command lines of the bootstrap tools, built from a plan (pure).
 *
 * mmdebstrap runs in `unshare` mode: as root that unshares the mount, PID,
 * UTS and IPC namespaces but not the user namespace, so the files belong to
 * root as in `root` mode while the /proc, /sys and /dev mounts it makes in
 * the tree live in a namespace of their own and die with it, even if the
 * tool is killed. (The tree's /dev stays empty; a container gets its own.)
 * `--verbose` puts apt's and dpkg's output in the log, which the progress
 * display follows. The configuration of the tree is done afterwards, by
 * configure.ts, the same way for both tools.
 */
import { ContainerError } from '../errors.js';
import type { ResolvedBootstrap } from './options.js';

export function mmdebstrapArgs(plan: ResolvedBootstrap, target: string): string[] {
  return [
    '--mode=unshare',
    '--format=directory',
    `--variant=${plan.variant}`,
    `--architectures=${plan.arch}`,
    '--components=main',
    `--include=${plan.packages.join(',')}`,
    '--verbose',
    '--',
    plan.suite,
    target,
    plan.mirror,
  ];
}

/** debootstrap's name for an mmdebstrap variant ('' for its default set). */
const DEBOOTSTRAP_VARIANT: Record<string, string> = {
  minbase: 'minbase',
  buildd: 'buildd',
  important: '',
  debootstrap: '',
};

export function debootstrapArgs(plan: ResolvedBootstrap, target: string): string[] {
  const variant = DEBOOTSTRAP_VARIANT[plan.variant];
  if (variant === undefined) {
    throw new ContainerError(
      `variant '${plan.variant}' needs mmdebstrap (debootstrap knows minbase, buildd and important): install it with 'apt-get install mmdebstrap'`,
    );
  }
  return [
    ...(variant ? [`--variant=${variant}`] : []),
    `--arch=${plan.arch}`,
    '--components=main',
    `--include=${plan.packages.join(',')}`,
    plan.suite,
    target,
    plan.mirror,
  ];
}
