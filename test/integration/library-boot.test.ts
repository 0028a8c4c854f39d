/**
 * The boot policy is the runtime's, not the CLI's: a booted OS started
 * through the library reboots in place (same name, new PID 1) and shuts
 * down in order on SIGTERM, ending with status 0, as `ts-nspawn boot` does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execInContainer, start } from '../../src/index.js';
import { cachedDebianTree } from '../helpers/debian-tree.js';
import { assertHostUnchanged, hostState, type HostState } from '../helpers/host-state.js';
import { makeOverlay, type Overlay } from '../helpers/overlay.js';

const BOOT_TIMEOUT = 120_000;

async function waitUntilRunning(name: string): Promise<void> {
  const deadline = Date.now() + BOOT_TIMEOUT;
  for (;;) {
    try {
      const { status } = await execInContainer(name, { command: ['systemctl', 'is-system-running', '--wait'], stdio: 'ignore' });
      if (status === 0) return;
    } catch {
      // not up yet (a reboot in progress)
    }
    if (Date.now() > deadline) throw new Error(`${name} did not reach running`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('library boot', { timeout: 4 * BOOT_TIMEOUT }, () => {
  let overlay: Overlay;
  let state: HostState;

  before(async () => {
    overlay = makeOverlay(await cachedDebianTree(), 'debian');
    state = hostState();
  });
  after(async () => {
    try {
      await assertHostUnchanged(state);
    } finally {
      overlay.remove();
    }
  });

  it('reboots in place and halts with status 0 on SIGTERM', async () => {
    const container = await start({ directory: overlay.root, machine: 'lib-boot', boot: true, console: true, stdio: 'pipe' });
    container.stdout?.resume();
    try {
      await waitUntilRunning(container.name);
      const firstPid = container.pid;
      await execInContainer(container.name, { command: ['systemctl', 'reboot'], stdio: 'ignore' }).catch(() => {});
      const deadline = Date.now() + BOOT_TIMEOUT;
      while (container.pid === firstPid) {
        if (Date.now() > deadline) throw new Error('no restart after reboot');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(container.name, 'lib-boot');
      await waitUntilRunning(container.name);
      container.kill('SIGTERM');
      const ended = await container.exited;
      assert.deepEqual({ status: ended.status, exitCode: ended.exitCode, signal: ended.signal }, { status: 0, exitCode: 0, signal: null });
    } finally {
      container.kill('SIGKILL');
      await container.exited.catch(() => {});
    }
  });
});
