/**
 * linux.resources.blockIO throttles and hugepageLimits through the cgroup
 * manager, read back from inside the container's own cgroup tree (on this
 * kind of hybrid host hugetlb lives on the cgroup2 mount).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildSpec, startContainer } from '../../src/index.js';
import { useBusyboxTree } from '../helpers/suite.js';

/** The cgroup2 roots whose subtree_control a hugepage limit may turn hugetlb on in. */
const UNIFIED_ROOTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

function subtreeControl(root: string): string | undefined {
  try {
    return readFileSync(`${root}/cgroup.subtree_control`, 'utf8');
  } catch {
    return undefined;
  }
}

/** MAJOR:MINOR of a real disk (not a loop or zram device). */
function disk(): string | undefined {
  const name = readdirSync('/sys/block').find((entry) => !/^(loop|zram|ram|dm-)/.test(entry));
  return name && readFileSync(`/sys/block/${name}/dev`, 'utf8').trim();
}

describe('linux.resources: blockIO throttles and hugepage limits', () => {
  const tree = useBusyboxTree();
  const device = disk();
  // The runtime turns hugetlb on where a limit needs it (as runc does); the test gives the host back as it was.
  const controlsBefore = new Map<string, string | undefined>();
  before(() => {
    for (const root of UNIFIED_ROOTS) controlsBefore.set(root, subtreeControl(root));
  });
  after(() => {
    for (const root of UNIFIED_ROOTS) {
      const was = controlsBefore.get(root);
      if (was !== undefined && !/\bhugetlb\b/.test(was) && /\bhugetlb\b/.test(subtreeControl(root) ?? '')) {
        writeFileSync(`${root}/cgroup.subtree_control`, '-hugetlb');
      }
    }
  });

  it('writes the throttles and the hugetlb limit to the container\'s cgroup', { skip: !device && 'no disk to throttle' }, async () => {
    const [major, minor] = device!.split(':').map(Number) as [number, number];
    const spec = buildSpec({
      directory: tree.root,
      command: ['/bin/sh', '-c', 'cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device /sys/fs/cgroup/io.max /sys/fs/cgroup/hugetlb.2MB.max /sys/fs/cgroup/unified/hugetlb.2MB.max /sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes 2>/dev/null; true'],
    });
    spec.linux!.resources = {
      ...spec.linux!.resources,
      blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }], throttleWriteIOPSDevice: [{ major, minor, rate: 120 }] },
      hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
    };
    const container = await startContainer(spec, { stdio: 'pipe' });
    let text = '';
    container.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    assert.equal((await container.exited).status, 0);
    const v2 = text.includes('rbps=');
    if (v2) assert.match(text, new RegExp(`^${device} rbps=1048576 wbps=max riops=max wiops=120$`, 'm'));
    else {
      assert.match(text, new RegExp(`^${device} 1048576$`, 'm'));
      assert.match(text, new RegExp(`^${device} 120$`, 'm'));
    }
    assert.match(text, /^4194304$/m, text);
  });

  it('refuses a page size that is none', async () => {
    const spec = buildSpec({ directory: tree.root, command: ['/bin/true'] });
    spec.linux!.resources = { ...spec.linux!.resources, hugepageLimits: [{ pageSize: '2M', limit: 1 }] };
    await assert.rejects(startContainer(spec), /linux\.resources\.hugepageLimits\[0\]\.pageSize: must match pattern/);
  });
});
