/**
 * Per-process settings of config.json, checked from inside the container
 * (ts-runc run, the same bundle under runc where runc 1.1 has the field):
 * domainname, oomScoreAdj, ioPriority, scheduler, linux.personality; and
 * what is refused with one line (a negative oomScoreAdj without
 * CAP_SYS_RESOURCE, an LSM label on a host without that LSM).
 */
import { hasRunc, runtime } from '../helpers/oci-runtime.js';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { useBusyboxTree } from '../helpers/suite.js';

const TS_RUNC = fileURLToPath(new URL('../../bin/ts-runc', import.meta.url));


const REPORT = [
  'echo dom=$(cat /proc/sys/kernel/domainname)',
  'echo oom=$(cat /proc/self/oom_score_adj)',
  'echo io=$(ionice)',
  'echo sched=$(cut -d" " -f19,41 /proc/self/stat)',
  'echo arch=$(uname -m) pers=$(cat /proc/self/personality)',
].join('; ');

describe('config.json process settings', () => {
  const tree = useBusyboxTree();
  let bundle: string;
  let stateRoot: string;

  const writeConfig = (edit: (config: Record<string, any>) => void) => {
    rmSync(join(bundle, 'config.json'), { force: true });
    assert.equal(runtime(TS_RUNC, stateRoot, ['spec'], bundle).status, 0);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.root = { path: tree.root, readonly: true };
    config.process.terminal = false;
    config.process.args = ['/bin/sh', '-c', REPORT];
    edit(config);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  };
  const report = (binary = TS_RUNC, root = stateRoot) => {
    const result = runtime(binary, root, ['run', 'settings'], bundle);
    assert.equal(result.status, 0, `${binary}: ${result.stderr}`);
    return Object.fromEntries(result.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  };

  before(() => {
    bundle = join(tree.base, 'bundle');
    stateRoot = join(tree.base, 'state');
    mkdirSync(bundle);
  });

  it('leaves everything as it is without the fields', () => {
    writeConfig(() => {});
    const seen = report();
    assert.equal(seen.dom, '(none)');
    assert.equal(seen.oom, readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
    assert.equal(seen.sched, '0 0');
    assert.equal(seen.arch, `${execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim()} pers=00000000`);
  });

  it('sets the domain name and oom_score_adj (the latter as runc 1.1 does; it has no domainname)', { skip: !hasRunc() && 'no runc to compare with here' }, () => {
    writeConfig((config) => {
      config.domainname = 'example.org';
      config.process.oomScoreAdj = 500;
    });
    const ours = report();
    assert.equal(ours.dom, 'example.org');
    assert.equal(ours.oom, '500');
    const theirs = report('runc', join(tree.base, 'runc-state'));
    assert.equal(ours.oom, theirs.oom);
  });

  it('sets the I/O priority, the scheduling policy and nice value, and the LINUX32 personality', () => {
    writeConfig((config) => {
      config.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 };
      config.process.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
      config.linux.personality = { domain: 'LINUX32' };
    });
    const seen = report();
    assert.equal(seen.io, 'idle');
    assert.equal(seen.sched, '7 3');
    assert.equal(seen.arch, 'i686 pers=00000008');
    writeConfig((config) => {
      config.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
      config.process.scheduler = { policy: 'SCHED_IDLE' };
    });
    const again = report();
    assert.equal(again.io, 'best-effort: prio 6');
    assert.equal(again.sched, '0 5');
  });

  it('refuses what it cannot carry out with one line naming the field, leaving nothing behind', () => {
    writeConfig((config) => (config.process.oomScoreAdj = -500));
    if (hasCapability(24 /* CAP_SYS_RESOURCE */)) {
      assert.equal(report().oom, '-500');
    } else {
      const negative = runtime(TS_RUNC, stateRoot, ['run', 'settings'], bundle);
      assert.equal(negative.status, 1);
      assert.match(negative.stderr, /setting process\.oomScoreAdj -500 \(lowering it needs CAP_SYS_RESOURCE\): permission denied \(EACCES\)/i);
      assert.equal(negative.stderr.trim().split('\n').length, 1);
      assert.equal(existsSync(join(stateRoot, 'settings')), false);
    }
    writeConfig((config) => {
      config.process.apparmorProfile = 'docker-default';
      config.process.selinuxLabel = 'system_u:system_r:container_t:s0';
      config.linux.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] };
      config.domainname = 'x'.repeat(65);
    });
    const refused = runtime(TS_RUNC, stateRoot, ['run', 'settings'], bundle);
    assert.equal(refused.status, 1);
    assert.equal(refused.stderr.trim().split('\n').length, 1);
    assert.match(refused.stderr, /domainname: must be at most 64 characters/);
    assert.match(refused.stderr, /linux\.personality\.flags: no personality flags are supported/);
    if (!existsSync('/sys/kernel/security/apparmor')) assert.match(refused.stderr, /process\.apparmorProfile: AppArmor is not enabled on this host/);
    if (!existsSync('/sys/fs/selinux/enforce')) assert.match(refused.stderr, /process\.selinuxLabel: SELinux is not enabled on this host/);
  });
});

/** Whether this process's bounding set has capability NUMBER. */
function hasCapability(number: number): boolean {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((entry) => entry.startsWith('CapBnd:'));
  return line !== undefined && ((BigInt(`0x${line.slice(7).trim()}`) >> BigInt(number)) & 1n) === 1n;
}
