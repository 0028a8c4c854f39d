/**
 * The usual frame of an integration test file: a busybox tree for the
 * suite, and a check after it that the host was left as it was found.
 */
import { after, before } from 'node:test';
import { assertHostUnchanged, hostState, type HostState } from './host-state.js';
import { makeBusyboxRoot, type TestRoot } from './rootfs.js';

export interface SuiteTree {
  readonly root: string;
  readonly base: string;
  /** The host as it was before the suite's first test. */
  readonly hostBefore: HostState;
}

export function useBusyboxTree(name?: string, inittab?: string): SuiteTree {
  let tree: TestRoot | undefined;
  let state: HostState | undefined;
  before(() => {
    tree = makeBusyboxRoot(name, inittab);
    state = hostState();
  });
  after(async () => {
    try {
      if (state) await assertHostUnchanged(state);
    } finally {
      tree?.remove();
    }
  });
  return {
    get root() {
      if (!tree) throw new Error('the suite tree exists only while the suite runs');
      return tree.root;
    },
    get base() {
      if (!tree) throw new Error('the suite tree exists only while the suite runs');
      return tree.base;
    },
    get hostBefore() {
      if (!state) throw new Error('the host state is taken when the suite starts');
      return state;
    },
  };
}
