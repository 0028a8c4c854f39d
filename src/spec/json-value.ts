/**
 * Is a value plain JSON? A spec from the library is any JavaScript value:
 * before a schema can look at it, and before it is stored as config.json or
 * encoded for the executor, it must be data that JSON can hold, with no
 * NUL byte anywhere (every string ends up a C string) and no string longer
 * than the kernel takes as one argument.
 */

/** MAX_ARG_STRLEN: the kernel's limit on one argument or environment entry, NUL included. */
export const MAX_STRING_BYTES = 128 * 1024 - 1;
/** Deeper than any real spec; a bound so a hostile value cannot exhaust the stack. */
const MAX_DEPTH = 64;

export interface Problem {
  /** The field, as a JSON path: `linux.namespaces[2].path`; empty for the whole spec. */
  path: string;
  message: string;
}

export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Problems that make `value` unusable as JSON data; empty if it is fine. */
export function jsonProblems(value: unknown): Problem[] {
  const problems: Problem[] = [];
  walk(value, '', new Set(), problems);
  return problems;
}

function walk(value: unknown, path: string, ancestors: Set<object>, problems: Problem[]): void {
  switch (typeof value) {
    case 'string':
      if (value.includes('\0')) problems.push({ path, message: 'contains a NUL byte' });
      else if (value.length > MAX_STRING_BYTES / 3 && Buffer.byteLength(value) > MAX_STRING_BYTES) {
        problems.push({ path, message: `is longer than the kernel's limit of ${MAX_STRING_BYTES} bytes for one string` });
      }
      return;
    case 'number':
      if (!Number.isFinite(value)) problems.push({ path, message: `must be a finite number, not ${value}` });
      return;
    case 'boolean':
      return;
    case 'object':
      break;
    default:
      // bigint, symbol, function, undefined: nothing JSON can hold.
      problems.push({ path, message: `must be JSON data, not a ${typeof value}` });
      return;
  }
  if (value === null) return;
  if (ancestors.has(value)) {
    problems.push({ path, message: 'refers back to itself (a circular object)' });
    return;
  }
  if (ancestors.size >= MAX_DEPTH) {
    problems.push({ path, message: `is nested more than ${MAX_DEPTH} levels deep` });
    return;
  }
  const prototype = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) {
    problems.push({ path, message: `must be a plain object or array, not a ${prototype?.constructor?.name ?? 'special object'}` });
    return;
  }
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) walk(value[i], jsonPath(path, i), ancestors, problems);
  } else {
    for (const [key, item] of Object.entries(value)) {
      // undefined properties vanish in JSON, as if absent: harmless.
      if (item !== undefined) walk(item, jsonPath(path, key), ancestors, problems);
    }
  }
  ancestors.delete(value);
}
