/**
 * Names that reach the host: hostnames and machine names (which become
 * state directories and veth names) and interface names (which go into
 * `ip -b` batch text). Each rule admits no whitespace, no '/' and no
 * control character, so none can split a command or escape a directory.
 */

const HOSTNAME_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** RFC 1123 hostname of up to 64 characters (the kernel's limit). */
export function isHostname(name: string): boolean {
  return name.length <= 64 && name.split('.').every((label) => HOSTNAME_LABEL.test(label));
}

export const HOSTNAME_RULE = 'use up to 64 letters, digits, inner dashes and dots';

/** A network interface name: 1-15 bytes, none of them space, '/' or ':' (dev_valid_name). */
export function isInterfaceName(name: string): boolean {
  return /^[A-Za-z0-9_.@+=-]{1,15}$/.test(name) && name !== '.' && name !== '..';
}

export const INTERFACE_RULE = "interface names have 1-15 letters, digits or '_.@+=-'";
