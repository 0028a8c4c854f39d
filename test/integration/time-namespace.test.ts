/**
 * linux.namespaces type `time` with linux.timeOffsets: the container's
 * boottime and monotonic clocks are the host's plus the offsets (seen in
 * /proc/uptime and clock_gettime inside), and a time namespace given by
 * path is joined; `exec` joins the container's.
 */
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildSpec, runContainer, startContainer, execInContainer, type Spec } from '../../src/index.js';
import { useBusyboxTree } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

const DAY = 86_400;

/** Runs `command` in the tree with `edit` applied to its spec; its stdout. */
async function output(spec: Spec): Promise<string> {
  const container = await startContainer(spec, { stdio: 'pipe' });
  let text = '';
  container.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const status = await container.exited;
  assert.equal(status.status, 0, text);
  return text;
}

describe('time namespace', () => {
  const tree = useBusyboxTree();
  const spec = (command: string[], offsets?: Spec['linux'] extends infer L ? L extends { timeOffsets?: infer T } ? T : never : never) => {
    const base = buildSpec({ directory: tree.root, command });
    base.linux!.namespaces!.push({ type: 'time' });
    if (offsets) base.linux!.timeOffsets = offsets;
    return base;
  };
  const hostUptime = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);

  it('shifts boottime and monotonic by the offsets inside, and only inside', async () => {
    const before = hostUptime();
    const text = await output(spec(['/bin/sh', '-c', 'cat /proc/uptime; /bin/probe clocks'], { boottime: { secs: 10 * DAY }, monotonic: { secs: 2 * DAY, nanosecs: 5 } }));
    const after = hostUptime();
    const [uptimeLine = '', clocksLine = ''] = text.trim().split('\n');
    const uptime = Number(uptimeLine.split(' ')[0]);
    assert.ok(uptime >= before + 10 * DAY - 1 && uptime <= after + 10 * DAY + 1, `uptime ${uptime} inside, host ${before}..${after}`);
    const [, monotonic, , boottime] = clocksLine.split(' ').map(Number);
    assert.ok(boottime! >= Math.floor(before) + 10 * DAY - 1 && boottime! <= after + 10 * DAY + 1, clocksLine);
    assert.ok(monotonic! >= 2 * DAY && monotonic! < boottime!, clocksLine);
    assert.ok(hostUptime() < 10 * DAY || before >= 10 * DAY, 'the host clock is unchanged');
  });

  it('creates one without offsets, and exec joins the container\'s', async () => {
    const text = await output(spec(['/bin/sh', '-c', 'readlink /proc/self/ns/time']));
    assert.match(text.trim(), /^time:\[\d+\]$/);
    assert.notEqual(text.trim(), readlinkSync('/proc/self/ns/time'));
    const container = await startContainer({ ...spec(['/bin/sleep', '30'], { boottime: { secs: 30 * DAY } }) }, { stdio: 'ignore' });
    try {
      await waitFor('the container to run', () => container.pid > 0);
      const status = await execInContainer(container.name, { command: ['/bin/sh', '-c', 'test "$(cut -d. -f1 /proc/uptime)" -ge 2592000'], stdio: 'ignore' });
      assert.equal(status.status, 0, 'exec sees the container\'s boottime');
    } finally {
      container.kill('SIGKILL');
      await container.exited.catch(() => {});
    }
  });

  it('joins a time namespace given by path', async () => {
    const holder = await startContainer(spec(['/bin/sleep', '30'], { boottime: { secs: 40 * DAY } }), { stdio: 'ignore' });
    try {
      const joining = buildSpec({ directory: tree.root, command: ['/bin/sh', '-c', 'cut -d. -f1 /proc/uptime'] });
      joining.linux!.namespaces!.push({ type: 'time', path: `/proc/${holder.pid}/ns/time` });
      const uptime = Number((await output(joining)).trim());
      assert.ok(uptime >= 40 * DAY, `uptime ${uptime}`);
    } finally {
      holder.kill('SIGKILL');
      await holder.exited.catch(() => {});
    }
  });

  it('refuses offsets without a new time namespace', async () => {
    const base = buildSpec({ directory: tree.root, command: ['/bin/true'] });
    base.linux!.timeOffsets = { boottime: { secs: 1 } };
    await assert.rejects(runContainer(base), /linux\.timeOffsets: needs a new time namespace/);
  });
});
