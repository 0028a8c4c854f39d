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
  // Keys of the current position; a path string is built only for a problem
  // (this runs on every container start, and most specs have none).
  const keys: Array<string | number> = [];
  const ancestors = new Set<object>();
  const problem = (message: string) => problems.push({ path: keys.reduce<string>(jsonPath, ''), message });

  const walk = (item: unknown): void => {
    switch (typeof item) {
      case 'string':
        if (item.includes('\0')) problem('contains a NUL byte');
        else if (item.length > MAX_STRING_BYTES / 3 && Buffer.byteLength(item) > MAX_STRING_BYTES) {
          problem(`is longer than the kernel's limit of ${MAX_STRING_BYTES} bytes for one string`);
        }
        return;
      case 'number':
        if (!Number.isFinite(item)) problem(`must be a finite number, not ${item}`);
        return;
      case 'boolean':
        return;
      case 'object':
        break;
      default:
        // bigint, symbol, function, undefined: nothing JSON can hold.
        problem(`must be JSON data, not ${item === undefined ? 'undefined' : `a ${typeof item}`}`);
        return;
    }
    if (item === null) return;
    if (ancestors.has(item)) return void problem('refers back to itself (a circular object)');
    if (ancestors.size >= MAX_DEPTH) return void problem(`is nested more than ${MAX_DEPTH} levels deep`);
    const isArray = Array.isArray(item);
    const prototype = Object.getPrototypeOf(item);
    if (!isArray && prototype !== Object.prototype && prototype !== null) {
      return void problem(`must be a plain object or array, not a ${prototype?.constructor?.name ?? 'special object'}`);
    }
    ancestors.add(item);
    if (isArray) {
      for (let i = 0; i < item.length; i++) {
        keys.push(i);
        walk(item[i]);
        keys.pop();
      }
    } else {
      for (const key in item) {
        const child = (item as Record<string, unknown>)[key];
        // undefined properties vanish in JSON, as if absent: harmless.
        if (child === undefined) continue;
        keys.push(key);
        walk(child);
        keys.pop();
      }
    }
    ancestors.delete(item);
  };
  walk(value);
  return problems;
}
