/**
 * The security options of `run` and `boot`: capabilities, no_new_privs,
 * seccomp, and --privileged, which turns exactly those three off.
 */
import { readFileSync } from 'node:fs';
import { ContainerError } from '../errors.js';
import type { SecurityOptions } from '../security/policy.js';
import { option, type Flags, type OptionDef } from './command-line.js';

export const SECURITY_OPTIONS: OptionDef[] = [
  option('capability', 'add a capability (NAME, CAP_NAME or all)', { value: 'NAME', multiple: true }),
  option('drop-capability', 'drop a capability (NAME, CAP_NAME or all); wins over --capability', { value: 'NAME', multiple: true }),
  // parseArgs has no --flag=false for switches: this one takes a value.
  option('no-new-privileges', 'true (run\'s default) or false (boot\'s): may setuid binaries gain privileges', { value: 'BOOL' }),
  option('seccomp', 'unconfined: no seccomp filter', { value: 'unconfined' }),
  option('seccomp-profile', 'use this seccomp profile (OCI or Docker JSON) instead of the default', { value: 'FILE' }),
  option('privileged', 'all capabilities, no seccomp filter, no no_new_privs (masks, read-only /proc/sys and /sys stay)'),
];

const strings = (value: Flags[string]): string[] => (Array.isArray(value) ? value : []);

export function toSecurityOptions(flags: Flags): SecurityOptions {
  const options: SecurityOptions = {};
  if (flags.capability) options.capabilities = strings(flags.capability);
  if (flags.dropCapability) options.dropCapabilities = strings(flags.dropCapability);
  if (flags.privileged === true) options.privileged = true;
  if (typeof flags.noNewPrivileges === 'string') options.noNewPrivileges = parseBool(flags.noNewPrivileges, '--no-new-privileges');
  const seccomp = flags.seccomp;
  const profile = flags.seccompProfile;
  if (typeof seccomp === 'string' && seccomp !== 'unconfined') {
    throw new ContainerError(`invalid --seccomp '${seccomp}': the only value is unconfined (for a profile: --seccomp-profile FILE)`);
  }
  if (seccomp !== undefined && profile !== undefined) {
    throw new ContainerError('--seccomp=unconfined and --seccomp-profile exclude each other: choose one');
  }
  if (seccomp === 'unconfined') options.seccomp = 'unconfined';
  if (typeof profile === 'string') options.seccomp = readProfile(profile);
  return options;
}

function parseBool(text: string, what: string): boolean {
  if (/^(true|yes|1|on)$/i.test(text)) return true;
  if (/^(false|no|0|off)$/i.test(text)) return false;
  throw new ContainerError(`invalid ${what} '${text}': use true or false`);
}

function readProfile(path: string): object {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ContainerError(`cannot read the seccomp profile '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as object;
  } catch (error) {
    throw new ContainerError(`the seccomp profile '${path}' is not valid JSON: ${(error as Error).message}`);
  }
}
