/**
 * Container names become paths (/run/ts-nspawn/NAME, ts-nspawn/NAME
 * cgroups) and interface names, so every verb and the library check a name
 * before using it, here: one path component of letters, digits and
 * `_ + . -`, not starting with '.' (so no '/', no '..', no hidden or
 * removal entries). That is runc's ID rule (ts-runc's IDs, a podman
 * container's 64 hex digits), capped at a file name's 255 bytes; machine
 * names given to ts-nspawn follow the stricter hostname rule on top.
 */
import { ContainerError, type ErrorCode } from '../errors.js';
import { quote } from '../quote.js';

export const NAME_MAX = 255;
const NAME = /^[A-Za-z0-9_+-][A-Za-z0-9_+.-]*$/;

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= NAME_MAX && NAME.test(name);
}

export function codedError(message: string, code: ErrorCode): ContainerError {
  return new ContainerError(message, { code });
}

/** Returns the name, or refuses it in one line (exit 125, code 'invalid-name'). */
export function checkName(name: unknown, what = 'container name'): string {
  if (isValidName(name)) return name;
  throw codedError(
    `invalid ${what} ${quote(name)}: use letters, digits and _ + . - (not starting with '.'), up to ${NAME_MAX} (see ts-nspawn list)`,
    'invalid-name',
  );
}
