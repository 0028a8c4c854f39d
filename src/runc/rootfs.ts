/** The root directory of a container, from the spec it was created with. */
import { readFileSync } from 'node:fs';
import { containerFile } from '../state/paths.js';

export function rootfsOf(id: string): string {
  try {
    const spec = JSON.parse(readFileSync(containerFile(id, 'config'), 'utf8')) as { root?: { path?: unknown } };
    return typeof spec.root?.path === 'string' ? spec.root.path : '';
  } catch {
    return '';
  }
}
