/**
 * Container names become paths (/run/ts-nspawn/NAME, ts-nspawn/NAME
 * cgroups) and interface names, so every verb and the library check a name
 * before using it: the hostname rule machine names already follow (labels
 * of letters, digits and inner dashes, joined by dots; at most 64
 * characters), which leaves no '/', no leading '.', no '..'.
 */
import { ContainerError } from '../errors.js';
import { quote } from '../quote.js';

export const NAME_MAX = 64;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= NAME_MAX && name.split('.').every((label) => LABEL.test(label));
}

/** An error with a stable code (the model's ContainerError options take it over once merged). */
export function codedError(message: string, code: string): ContainerError {
  return Object.assign(new ContainerError(message), { code });
}

/** Returns the name, or refuses it in one line (exit 125, code 'invalid-name'). */
export function checkName(name: unknown, what = 'container name'): string {
  if (isValidName(name)) return name;
  throw codedError(
    `invalid ${what} ${quote(name)}: use up to ${NAME_MAX} letters, digits, inner dashes and dots (see ts-nspawn list)`,
    'invalid-name',
  );
}
