/**
 * `bootstrap` against the real package mirror of the host's apt sources
 * (needs root and the network): the cached tree of test/helpers/debian-tree.ts
 * is checked, then the CLI's refusals, failures, interruption and --force.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hostMountsUnder } from '../../src/bootstrap/mounts.js';
import { hashPassword } from '../../src/bootstrap/password-hash.js';
import { collect, runCli, spawnCli } from '../helpers/cli.js';
import { CACHE_ROOT, cachedDebianTree, debianTreeKey, type BuildInfo } from '../helpers/debian-tree.js';

const BOOTSTRAP_TIMEOUT_MS = 15 * 60_000;

/** Siblings the bootstrap must not leave behind (temporary and replaced trees). */
function leftovers(dir: string): string[] {
  const name = basename(dir);
  return readdirSync(dirname(dir)).filter((entry) => entry.startsWith(`${name}.tmp-`) || entry.startsWith(`${name}.old-`));
}

function logPathOf(message: string): string | undefined {
  return /\(full log: (\/[^)]+)\)/.exec(message)?.[1];
}

function assertOneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n').filter((line) => !line.startsWith('ts-nspawn: Bun is not available'));
  assert.equal(lines.length, 1, `one line, got: ${stderr}`);
  assert.match(lines[0]!, /^ts-nspawn: /);
  return lines[0]!;
}

/** Checks what every bootstrapped tree has; returns /etc/shadow's root entry. */
function assertBootableTree(tree: string, hostname: string): string {
  const init = join(tree, 'sbin/init');
  assert.ok(lstatSync(init).isSymbolicLink(), '/sbin/init is a symlink');
  assert.match(readlinkSync(init), /\/systemd$/);
  assert.equal(readFileSync(join(tree, 'etc/machine-id'), 'utf8'), '', '/etc/machine-id is empty');
  assert.equal(readFileSync(join(tree, 'etc/hostname'), 'utf8'), `${hostname}\n`);
  assert.ok(existsSync(join(tree, 'usr/bin/ping')), 'iputils-ping');
  assert.ok(existsSync(join(tree, 'usr/sbin/ip')) || existsSync(join(tree, 'usr/bin/ip')), 'iproute2');
  assert.ok(existsSync(join(tree, 'usr/bin/ps')), 'procps');
  assert.ok(existsSync(join(tree, 'usr/bin/dbus-daemon')), 'dbus');
  const status = readFileSync(join(tree, 'var/lib/dpkg/status'), 'utf8');
  for (const pkg of ['systemd-sysv', 'iproute2', 'iputils-ping', 'procps', 'dbus']) {
    assert.match(status, new RegExp(`^Package: ${pkg}\\n(?:.+\\n)*?Status: install ok installed$`, 'm'), `${pkg} installed`);
  }
  assert.equal(lstatSync(tree).mode & 0o777, 0o755);
  return /^root:.*$/m.exec(readFileSync(join(tree, 'etc/shadow'), 'utf8'))?.[0] ?? '';
}

describe('bootstrap', { timeout: 4 * BOOTSTRAP_TIMEOUT_MS }, () => {
  let work: string;

  before(() => {
    mkdirSync('/var/tmp', { recursive: true });
    work = mkdtempSync('/var/tmp/tsn-bootstrap-test-');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('builds (or reuses) the cached Debian tree, bootable and complete', { timeout: BOOTSTRAP_TIMEOUT_MS }, async () => {
    const info: BuildInfo = { built: false };
    const phases: string[] = [];
    const tree = await cachedDebianTree((phase) => phases.at(-1) !== phase && phases.push(phase), info);
    const key = debianTreeKey();
    assert.equal(tree, key.tree);
    assert.ok(tree.startsWith(`${CACHE_ROOT}/${key.suite}-`));
    if (info.built) {
      console.log(`# bootstrapped ${tree} in ${info.seconds?.toFixed(1)}s`);
      assert.deepEqual(phases, ['resolving', 'downloading', 'extracting', 'installing', 'configuring']);
    }
    const root = assertBootableTree(tree, 'debian');
    assert.match(root, /^root::/, "root's password field is empty");
    assert.ok(existsSync(key.marker), 'the cache entry is marked complete');
    assert.deepEqual(leftovers(tree), []);
    assert.deepEqual(hostMountsUnder(CACHE_ROOT), [], 'nothing mounted under the cache');
    // Cached: a second call returns at once.
    const again: BuildInfo = { built: false };
    assert.equal(await cachedDebianTree(undefined, again), tree);
    assert.equal(again.built, false);
  });

  it('refuses a directory that is not empty, without --force', async () => {
    const dir = join(work, 'occupied');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep-me'), 'data\n');
    const result = await runCli(['bootstrap', dir]);
    assert.equal(result.status, 125, result.stderr);
    const line = assertOneLine(result.stderr);
    assert.match(line, /exists and is not empty: choose a new directory, or pass --force/);
    assert.deepEqual(readdirSync(dir), ['keep-me']);
    assert.deepEqual(leftovers(dir), []);
  });

  it('rejects bad options before doing anything', async () => {
    const dir = join(work, 'bad-options');
    for (const [args, message] of [
      [['--suite', 'Not A Suite'], /invalid suite 'Not A Suite'/],
      [['--include', 'good,Bad_Name'], /invalid package 'Bad_Name' in --include/],
      [['--variant', 'extract'], /invalid variant 'extract'/],
      [['--mirror', 'not-a-url'], /invalid --mirror 'not-a-url'/],
    ] as const) {
      const result = await runCli(['bootstrap', ...args, dir]);
      assert.equal(result.status, 125, result.stderr);
      assert.match(assertOneLine(result.stderr), message);
    }
    assert.equal(existsSync(dir), false);
    assert.deepEqual(leftovers(dir), []);
  });

  it('fails in one line, leaving neither DIR nor a temporary tree', { timeout: BOOTSTRAP_TIMEOUT_MS }, async () => {
    const dir = join(work, 'no-suite');
    const result = await runCli(['bootstrap', '--suite', 'no-such-suite', dir], { timeoutMs: BOOTSTRAP_TIMEOUT_MS });
    assert.equal(result.status, 125, result.stderr);
    const line = assertOneLine(result.stderr);
    assert.match(line, /^ts-nspawn: bootstrap failed while resolving: .*no-such-suite.* \(full log: \/.+\)$/);
    const log = logPathOf(line);
    assert.ok(log && existsSync(log), 'the log is kept');
    assert.match(readFileSync(log, 'utf8'), /^E: /m);
    rmSync(log, { force: true });
    assert.equal(existsSync(dir), false, 'no DIR');
    assert.deepEqual(leftovers(dir), [], 'no DIR.tmp-*');
    assert.deepEqual(hostMountsUnder(work), []);
  });

  it('stops on SIGINT and removes the partial tree', { timeout: BOOTSTRAP_TIMEOUT_MS }, async () => {
    const dir = join(work, 'interrupted');
    const child = spawnCli(['bootstrap', dir]);
    let seen = '';
    let sent = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (!sent && /^(downloading|extracting|installing)/m.test(seen)) sent = child.kill('SIGINT');
    });
    const result = await collect(child, { timeoutMs: BOOTSTRAP_TIMEOUT_MS });
    assert.equal(result.status, 130, `${seen}\n${result.stderr}`);
    assert.match(assertOneLine(result.stderr), /^ts-nspawn: bootstrap interrupted while \w+: the partial tree was removed$/);
    assert.equal(existsSync(dir), false);
    assert.deepEqual(leftovers(dir), []);
    assert.deepEqual(hostMountsUnder(work), []);
  });

  it('replaces a tree with --force only once the new one is complete, with a root password and autologin', { timeout: BOOTSTRAP_TIMEOUT_MS }, async () => {
    const dir = join(work, 'my_machine');
    mkdirSync(join(dir, 'etc'), { recursive: true });
    writeFileSync(join(dir, 'etc/old-file'), 'old\n');
    const result = await runCli(['bootstrap', '--force', '--root-password', 's3cret pw', '--autologin', '--include', 'less', dir], {
      timeoutMs: BOOTSTRAP_TIMEOUT_MS,
    });
    assert.equal(result.status, 0, result.stderr);
    // Not a terminal: one plain line per phase, then the summary.
    const phases = result.stdout.split('\n').map((line) => /^(\w+)(?::|$)/.exec(line)?.[1]).filter(Boolean);
    assert.deepEqual(phases.slice(0, 5), ['resolving', 'downloading', 'extracting', 'installing', 'configuring']);
    assert.match(result.stdout, new RegExp(`^bootstrapped ${dir} in \\d+`, 'm'));
    assert.equal(existsSync(join(dir, 'etc/old-file')), false, 'the old tree is gone');
    const root = assertBootableTree(dir, 'my-machine');
    const hash = root.split(':')[1] ?? '';
    const salt = /^\$6\$([^$]+)\$/.exec(hash)?.[1];
    assert.ok(salt, `a SHA-512 crypt hash: ${root}`);
    assert.equal(hash, hashPassword('s3cret pw', salt));
    if (existsSync('/usr/bin/python3')) {
      // glibc's crypt(3) agrees (through Python, where the host has it).
      const check = execFileSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2])', 's3cret pw', hash], {
        encoding: 'utf8',
      });
      assert.equal(check.trim(), 'True');
    }
    const dropin = readFileSync(join(dir, 'etc/systemd/system/console-getty.service.d/autologin.conf'), 'utf8');
    assert.match(dropin, /^ExecStart=-\/sbin\/agetty --autologin root /m);
    assert.ok(existsSync(join(dir, 'usr/bin/less')), '--include less');
    assert.deepEqual(leftovers(dir), []);
    assert.deepEqual(hostMountsUnder(work), []);
  });
});
