/** The root directory of a container, from the spec it was created with. */
import { readStoredSpec } from '../state/store.js';

export function rootfsOf(id: string): string {
  try {
    // Read as stored state is: no symlink followed, no FIFO waited on.
    const spec = readStoredSpec<{ root?: { path?: unknown } }>(id);
    return typeof spec.root?.path === 'string' ? spec.root.path : '';
  } catch {
    return '';
  }
}
