/**
 * linux.resources.blockIO throttles and hugepageLimits through the cgroup
 * manager, read back from inside the container's own cgroup tree (on this
 * kind of hybrid host hugetlb lives on the cgroup2 mount).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildSpec, startContainer } from '../../src/index.js';
import { useBusyboxTree } from '../helpers/suite.js';

/** MAJOR:MINOR of a real disk (not a loop or zram device). */
function disk(): string | undefined {
  const name = readdirSync('/sys/block').find((entry) => !/^(loop|zram|ram|dm-)/.test(entry));
  return name && readFileSync(`/sys/block/${name}/dev`, 'utf8').trim();
}

describe('linux.resources: blockIO throttles and hugepage limits', () => {
  const tree = useBusyboxTree();
  const device = disk();

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
