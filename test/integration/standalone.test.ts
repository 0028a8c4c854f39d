/**
 * The standalone executables (scripts/build-standalone.sh, run here; it
 * keeps binaries newer than the sources) where there is no Node.js, npm or
 * Bun: the release layout copied out of the checkout into a temp prefix and
 * run in a private mount namespace where node, npm and Bun are hidden
 * (/dev/null bound over them, a tmpfs over the checkout), with the minimal
 * environment engines call a runtime with: PATH=/usr/sbin:/usr/bin:/sbin:/bin
 * and nothing else, no terminal (a new session), stdin /dev/null, working
 * directory /.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { VERSION } from '../../src/version.js';
import { useBusyboxTree } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const MINIMAL_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const JS_TOOLS = ['node', 'nodejs', 'npm', 'npx', 'corepack', 'bun', 'bunx'];

/** The JavaScript tools on the minimal PATH, by real path (/bin is a link to /usr/bin on merged-/usr hosts). */
function jsToolsOnPath(): string[] {
  const found = new Set<string>();
  for (const dir of MINIMAL_PATH.split(':')) {
    for (const name of JS_TOOLS) {
      const path = join(dir, name);
      if (existsSync(path)) found.add(realpathSync(path));
    }
  }
  return [...found].sort();
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Where its stdout and stderr files are (a created container keeps writing to them). */
  outDir: string;
}

/**
 * Runs argv where node, npm, Bun and the checkout are out of reach, with
 * the minimal environment. Output goes to files, not pipes: a container
 * that ts-runc created keeps the runtime's stdio (as an engine's pipes).
 */
function hidden(argv: string[], outDir: string): Run {
  const hide = jsToolsOnPath().map((path) => `mount --bind /dev/null '${path}'`);
  const script = [
    ...hide,
    `mount -t tmpfs -o size=4k,mode=0700 tsn-hidden '${CHECKOUT}'`,
    `exec setsid -w env -i PATH=${MINIMAL_PATH} "$@" < /dev/null`,
  ].join(' && ');
  mkdirSync(outDir, { recursive: true });
  const out = openSync(join(outDir, 'stdout'), 'w');
  const err = openSync(join(outDir, 'stderr'), 'w');
  try {
    const result = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...argv], {
      cwd: '/',
      stdio: ['ignore', out, err],
      timeout: 30_000,
    });
    return { status: result.status, stdout: readFileSync(join(outDir, 'stdout'), 'utf8'), stderr: readFileSync(join(outDir, 'stderr'), 'utf8'), outDir };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

const output = ({ status, stdout, stderr }: Run) => ({ status, stdout, stderr });

describe('standalone executables', () => {
  let prefix = '';
  let work = '';
  let runs = 0;
  const run = (argv: string[]) => hidden(argv, join(work, `run-${++runs}`));
  const tsNspawn = (...args: string[]) => run([join(prefix, 'bin/ts-nspawn'), ...args]);
  const tsRunc = (...args: string[]) => run([join(prefix, 'bin/ts-runc'), '--root', join(work, 'runc-state'), ...args]);
  const machine = `tsn-standalone-${process.pid}`;

  before(() => {
    execFileSync('sh', [join(CHECKOUT, 'scripts/build-standalone.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    work = mkdtempSync(join(tmpdir(), 'tsn-standalone-'));
    prefix = join(work, 'prefix');
    cpSync(join(CHECKOUT, 'dist/standalone'), prefix, { recursive: true });
  });
  after(() => {
    if (!work) return;
    const state = join(work, 'runc-state');
    if (existsSync(state)) {
      for (const id of tsRunc('list', '-q').stdout.split('\n').filter(Boolean)) tsRunc('delete', '--force', id);
    }
    if (existsSync(join('/run/ts-nspawn', machine))) tsNspawn('rm', '-f', machine);
    rmSync(work, { recursive: true, force: true });
  });
  // After the hooks above: its host check runs once they have cleaned up.
  const tree = useBusyboxTree();

  it('has the release layout and a statically linked executor', () => {
    for (const [path, mode] of [
      ['bin/ts-nspawn', 0o755],
      ['bin/ts-runc', 0o755],
      ['libexec/ts-nspawn/ts-nspawn-executor', 0o755],
      ['share/ts-nspawn/run-host/container-manager', 0o644],
      ['share/doc/ts-nspawn/README', 0o644],
      ['share/doc/ts-nspawn/COPYING', 0o644],
    ] as const) {
      assert.equal(statSync(join(prefix, path)).mode & 0o7777, mode, path);
    }
    // No program interpreter: no shared library is looked up on the target.
    const headers = execFileSync('readelf', ['--program-headers', '--wide', join(prefix, 'libexec/ts-nspawn/ts-nspawn-executor')], { encoding: 'utf8' });
    assert.match(headers, /\bLOAD\b/);
    assert.doesNotMatch(headers, /\bINTERP\b/);
  });

  it('runs where node, npm, Bun and the checkout cannot be reached', () => {
    const probe = run(['sh', '-c', `for tool in ${JS_TOOLS.join(' ')}; do command -v $tool; done; ls -A '${CHECKOUT}' | wc -l; env; tty`]);
    assert.equal(probe.stdout, `0\nPATH=${MINIMAL_PATH}\nPWD=/\nnot a tty\n`);
    for (const tool of jsToolsOnPath()) assert.equal(run([tool, '--version']).status, 126, tool);
  });

  it('prints versions: ts-nspawn VERSION, and runc-style for ts-runc', () => {
    const nspawn = tsNspawn('--version');
    assert.deepEqual(output(nspawn), { status: 0, stdout: `ts-nspawn ${VERSION}\n`, stderr: '' });
    const runc = run([join(prefix, 'bin/ts-runc'), '--version']);
    assert.equal(runc.status, 0, runc.stderr);
    assert.match(runc.stdout, new RegExp(`^ts-runc version ${VERSION.replaceAll('.', '\\.')}\nspec: 1\\.\\d+\\.\\d+\n`));
  });

  it('runs a container, with /run/host from the share/ directory beside the binary', () => {
    assert.deepEqual(output(tsNspawn('run', '-D', tree.root, '/bin/echo', 'hi')), { status: 0, stdout: 'hi\n', stderr: '' });
    const manager = tsNspawn('run', '-D', tree.root, '/bin/cat', '/run/host/container-manager');
    assert.deepEqual(output(manager), { status: 0, stdout: readFileSync(join(CHECKOUT, 'share/run-host/container-manager'), 'utf8'), stderr: '' });
  });

  it('ends a detached container through its exit hook, the standalone ts-nspawn cleanup', async () => {
    // It lives a second: a command that ends at once can have the hook's record overwritten by run -d's own last write.
    const started = tsNspawn('run', '-d', '-M', machine, '-D', tree.root, '/bin/sleep', '1');
    assert.equal(started.status, 0, started.stderr);
    // Only the hook (or a later list/status) records the exit: read the record, do not ask the CLI.
    const record = () => JSON.parse(readFileSync(join('/run/ts-nspawn', machine, 'state.json'), 'utf8'));
    await waitFor('the exit hook to record the exit', () => record().status === 'stopped');
    assert.deepEqual(record().exit, { exitCode: 0, signal: null, status: 0 });
    assert.equal(tsNspawn('rm', machine).status, 0);
  });

  it('takes an OCI bundle through create, state, start, state and delete', async () => {
    const bundle = join(work, 'bundle');
    mkdirSync(bundle);
    assert.equal(run(['sh', '-c', `cd '${bundle}' && exec "$0" spec`, join(prefix, 'bin/ts-runc')]).status, 0);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.root = { path: tree.root, readonly: true };
    config.process = { ...config.process, terminal: false, args: ['/bin/echo', 'started'] };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));

    const pidFile = join(work, 'pid');
    const created = tsRunc('create', '--bundle', bundle, '--pid-file', pidFile, 'one');
    assert.equal(created.status, 0, created.stderr);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const state = JSON.parse(tsRunc('state', 'one').stdout);
    assert.deepEqual({ id: state.id, status: state.status, pid: state.pid, bundle: state.bundle }, { id: 'one', status: 'created', pid, bundle });
    assert.equal(tsRunc('start', 'one').status, 0);
    await waitFor('the container to stop', () => JSON.parse(tsRunc('state', 'one').stdout).status === 'stopped');
    // Its stdout is create's (an engine's pipe, here a file).
    assert.equal(readFileSync(join(created.outDir, 'stdout'), 'utf8'), 'started\n');
    assert.equal(tsRunc('delete', 'one').status, 0);
    const gone = tsRunc('state', 'one');
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /level=error msg="container does not exist"/);
    assert.equal(existsSync(join(work, 'runc-state', 'one')), false);
  });

  it('takes no settings or code from a .env or bunfig.toml where it is started, standalone or launched on Bun', () => {
    // What a directory an unprivileged user controls may hold when root runs the runtime there.
    const dir = join(work, 'untrusted');
    mkdirSync(dir);
    writeFileSync(join(dir, '.env'), 'TS_NSPAWN_EXECUTOR=/nonexistent\n');
    writeFileSync(join(dir, 'bunfig.toml'), 'preload = ["./preload.js"]\n');
    writeFileSync(join(dir, 'preload.js'), `require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'preloaded'))}, '')\n`);
    const inDir = (binary: string) => ['sh', '-c', 'cd "$0" && exec "$@"', dir, binary, 'run', '-D', tree.root, '/bin/echo', 'ok'];
    assert.deepEqual(output(run(inDir(join(prefix, 'bin/ts-nspawn')))), { status: 0, stdout: 'ok\n', stderr: '' });
    const launched = spawnSync(join(CHECKOUT, 'bin/ts-nspawn'), ['run', '-D', tree.root, '/bin/echo', 'ok'], { cwd: dir, encoding: 'utf8' });
    assert.deepEqual({ status: launched.status, stdout: launched.stdout, stderr: launched.stderr }, { status: 0, stdout: 'ok\n', stderr: '' });
    const runc = spawnSync(join(CHECKOUT, 'bin/ts-runc'), ['--version'], { cwd: dir, encoding: 'utf8' });
    assert.equal(runc.status, 0);
    assert.equal(existsSync(join(dir, 'preloaded')), false);
  });

  it('refuses to start without its executor in one line, status 125', () => {
    const bare = join(work, 'bare');
    mkdirSync(join(bare, 'bin'), { recursive: true });
    linkSync(join(prefix, 'bin/ts-nspawn'), join(bare, 'bin/ts-nspawn'));
    const refused = run([join(bare, 'bin/ts-nspawn'), 'run', '-D', tree.root, '/bin/true']);
    assert.equal(refused.status, 125);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, new RegExp(`^ts-nspawn: the executor ${bare}/libexec/ts-nspawn/ts-nspawn-executor is missing: install it there from the release[^\\n]*\\n$`));
  });
});
