import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { parseCommand, type CommandDef } from '../../src/cli/command-line.js';
import { bootCommand } from '../../src/cli/commands/boot.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { toContainerOptions } from '../../src/cli/container-flags.js';

describe('toContainerOptions', () => {
  // TERM comes from the process: pin it per test, restore after.
  let savedTerm: string | undefined;

  beforeEach(() => {
    savedTerm = process.env.TERM;
    process.env.TERM = 'xterm-test';
  });

  afterEach(() => {
    if (savedTerm === undefined) delete process.env.TERM;
    else process.env.TERM = savedTerm;
  });

  it('maps the plain flags through', () => {
    const options = toContainerOptions(
      { directory: '/srv/tree', machine: 'm1', hostname: 'h1', setenv: ['A=1', 'B=2'], chdir: '/work', user: 'alice:staff' },
      ['/bin/sh', '-c', 'true'],
      false,
    );
    assert.deepEqual(options, {
      directory: '/srv/tree',
      command: ['/bin/sh', '-c', 'true'],
      boot: false,
      machine: 'm1',
      hostname: 'h1',
      binds: [],
      env: ['A=1', 'B=2'],
      chdir: '/work',
      user: 'alice:staff',
      console: false,
      term: 'xterm-test',
      hostNetwork: false,
      network: undefined,
      devices: [],
      pidsLimit: undefined,
      memory: undefined,
      memorySwap: undefined,
      cpus: undefined,
      cpuWeight: undefined,
      cpusetCpus: undefined,
      cpusetMems: undefined,
      ioWeight: undefined,
      rlimits: [],
      cgroupParent: undefined,
      privateUsers: undefined,
      privateUsersOwnership: undefined,
    });
  });

  it('parses the limit flags and --rlimit; their ranges are left to limitResources', () => {
    const options = toContainerOptions(
      { directory: '/d', memory: '1g', memorySwap: '-1', cpuWeight: '300', cpusetCpus: '0-1', cpusetMems: '0', ioWeight: '700', rlimit: ['NOFILE=1024:4096', 'core=unlimited', 'nproc=10'] },
      ['/bin/true'],
      false,
    );
    assert.deepEqual(
      [options.memory, options.memorySwap, options.cpuWeight, options.cpusetCpus, options.cpusetMems, options.ioWeight],
      [1024 ** 3, -1, 300, '0-1', '0', 700],
    );
    assert.deepEqual(options.rlimits, [
      { name: 'NOFILE', soft: 1024, hard: 4096 },
      { name: 'core', soft: 'unlimited', hard: 'unlimited' },
      { name: 'nproc', soft: 10, hard: 10 },
    ]);
    assert.throws(() => toContainerOptions({ directory: '/d', cpuWeight: '1.5' }, ['/bin/true'], false), /invalid --cpu-weight '1.5': expected a whole number/);
    assert.throws(() => toContainerOptions({ directory: '/d', memorySwap: 'lots' }, ['/bin/true'], false), /invalid --memory-swap 'lots'/);
  });

  it('parses --device as podman, --pids-limit, --memory sizes and --cgroup-parent', () => {
    const options = toContainerOptions(
      { directory: '/d', device: ['/dev/a', '/dev/b:/dev/c', '/dev/d:rw', '/dev/e:/dev/f:r'], pidsLimit: '-1', memory: '64m', cpus: '0.5', cgroupParent: 'p/q' },
      ['/bin/true'],
      false,
    );
    assert.deepEqual(options.devices, [
      { source: '/dev/a' },
      { source: '/dev/b', destination: '/dev/c' },
      { source: '/dev/d', access: 'rw' },
      { source: '/dev/e', destination: '/dev/f', access: 'r' },
    ]);
    assert.deepEqual([options.pidsLimit, options.memory, options.cpus, options.cgroupParent], [-1, 64 * 1024 * 1024, 0.5, 'p/q']);
    assert.throws(() => toContainerOptions({ directory: '/d', pidsLimit: 'many' }, ['/bin/true'], false), /invalid --pids-limit 'many'/);
    assert.throws(() => toContainerOptions({ directory: '/d', memory: '1q' }, ['/bin/true'], false), /invalid --memory '1q'/);
  });

  it('parses --bind SRC and SRC:DST, in order, then --bind-ro as read-only', () => {
    const options = toContainerOptions(
      { directory: '/d', bind: ['/src', '/a:/b', '/c:/d:e'], bindRo: ['/ro', '/x:/y'] },
      ['/bin/true'],
      false,
    );
    assert.deepEqual(options.binds, [
      { source: '/src', readOnly: false },
      { source: '/a', destination: '/b', readOnly: false },
      { source: '/c', destination: '/d:e', readOnly: false },
      { source: '/ro', readOnly: true },
      { source: '/x', destination: '/y', readOnly: true },
    ]);
  });

  it('keeps an empty destination after the colon (for buildSpec to reject)', () => {
    assert.deepEqual(toContainerOptions({ bind: ['/src:'] }, ['/x'], false).binds, [{ source: '/src', destination: '', readOnly: false }]);
  });

  it('defaults the console to whether stdin is a terminal, but not for a detached command', () => {
    assert.equal(toContainerOptions({ directory: '/d' }, ['/x'], false, true).console, true);
    assert.equal(toContainerOptions({ directory: '/d' }, ['/x'], false, false).console, false);
    assert.equal(toContainerOptions({ directory: '/d', detach: true }, ['/x'], false, true).console, false);
  });

  it('lets --console and --pipe override the terminal default, --pipe winning', () => {
    assert.equal(toContainerOptions({ console: true }, ['/x'], false, false).console, true);
    assert.equal(toContainerOptions({ pipe: true }, ['/x'], false, true).console, false);
    assert.equal(toContainerOptions({ console: false }, ['/x'], false, true).console, false);
    assert.equal(toContainerOptions({ console: true, pipe: true }, ['/x'], false, true).console, false);
  });

  it('forces a console for boot, even with --pipe', () => {
    const options = toContainerOptions({ directory: '/d', pipe: true, console: false }, ['--unit=x'], true, false);
    assert.equal(options.console, true);
    assert.equal(options.boot, true);
    assert.deepEqual(options.command, ['--unit=x']);
  });

  it('passes TERM from the environment', () => {
    delete process.env.TERM;
    assert.equal(toContainerOptions({}, ['/x'], false).term, undefined);
    process.env.TERM = 'screen';
    assert.equal(toContainerOptions({}, ['/x'], false).term, 'screen');
  });

  it('maps --network-bridge with its addresses and gateways', () => {
    const options = toContainerOptions(
      { networkBridge: 'br0', address: ['10.0.0.2/24', 'fd00::2/64'], gateway: ['10.0.0.1'] },
      ['/x'],
      false,
    );
    assert.deepEqual(options.network, { bridge: 'br0', addresses: ['10.0.0.2/24', 'fd00::2/64'], gateways: ['10.0.0.1'] });
    assert.deepEqual(toContainerOptions({ networkBridge: 'br0' }, ['/x'], false).network, { bridge: 'br0', addresses: [], gateways: [] });
  });

  it('maps --host-network, and no bridge means no network', () => {
    const options = toContainerOptions({ hostNetwork: true }, ['/x'], false);
    assert.equal(options.hostNetwork, true);
    assert.equal(options.network, undefined);
  });

  it('maps --network: none, host, bridge:BR, pasta and slirp4netns with their options, and --publish', () => {
    const network = (flags: Record<string, string | boolean | string[]>) => {
      const options = toContainerOptions(flags, ['/x'], false);
      return { host: options.hostNetwork, bridge: options.network?.bridge, user: options.userNetwork };
    };
    assert.deepEqual(network({ network: 'none' }), { host: false, bridge: undefined, user: undefined });
    assert.deepEqual(network({ network: 'host' }), { host: true, bridge: undefined, user: undefined });
    assert.deepEqual(network({ network: 'host', hostNetwork: true }), { host: true, bridge: undefined, user: undefined });
    assert.deepEqual(network({ network: 'bridge:br0' }), { host: false, bridge: 'br0', user: undefined });
    assert.deepEqual(network({ network: 'bridge:br0', networkBridge: 'br0' }), { host: false, bridge: 'br0', user: undefined });
    assert.deepEqual(network({ network: 'pasta' }), { host: false, bridge: undefined, user: { helper: 'pasta', options: [], ports: [] } });
    assert.deepEqual(network({ network: 'pasta:-T,auto,--map-gw', publish: ['8080:80', '127.0.0.1:53:53/udp'] }), {
      host: false,
      bridge: undefined,
      user: {
        helper: 'pasta',
        options: ['-T', 'auto', '--map-gw'],
        ports: [
          { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
          { hostAddress: '127.0.0.1', hostPort: 53, containerPort: 53, protocol: 'udp' },
        ],
      },
    });
    assert.deepEqual(network({ network: 'slirp4netns:cidr=10.5.0.0/24' }).user, { helper: 'slirp4netns', options: ['cidr=10.5.0.0/24'], ports: [] });
  });

  it('refuses two networks, an unknown mode and --publish without a helper, in one line', () => {
    const refused: Array<[Record<string, string | boolean | string[]>, RegExp]> = [
      [{ network: 'pasta', networkBridge: 'br0' }, /^--network=pasta and --network-bridge br0 exclude each other: a container has one network, choose one$/],
      [{ network: 'slirp4netns', hostNetwork: true }, /^--network=slirp4netns and --host-network exclude each other/],
      [{ network: 'none', hostNetwork: true }, /^--network=none and --host-network exclude each other/],
      [{ network: 'host', networkBridge: 'br0' }, /^--network=host and --network-bridge br0 exclude each other/],
      [{ network: 'bridge:br1', networkBridge: 'br0' }, /^--network=bridge:br1 and --network-bridge br0 exclude each other/],
      [{ network: 'bridge' }, /^invalid --network 'bridge': expected none, host, bridge:BRIDGE, pasta\[:OPTION,...\] or slirp4netns\[:KEY=VALUE,...\]$/],
      [{ network: 'none:x' }, /^invalid --network 'none:x'/],
      [{ publish: ['8080:80'] }, /^--publish needs --network=pasta or --network=slirp4netns/],
      [{ network: 'host', publish: ['8080:80'] }, /^--publish needs --network=pasta/],
      [{ network: 'pasta', publish: ['80'] }, /^invalid published port '80'/],
    ];
    for (const [flags, pattern] of refused) {
      assert.throws(() => toContainerOptions(flags, ['/x'], false), (error: unknown) => error instanceof Error && pattern.test(error.message), JSON.stringify(flags));
    }
  });

  it('parses --network and -p/--publish on the command line', () => {
    const { flags } = parseCommand(runCommand, ['-D', '/d', '--network=pasta:-T,auto', '-p', '8080:80', '--publish', '9090:90/udp', '/bin/true']);
    assert.equal(flags.network, 'pasta:-T,auto');
    assert.deepEqual(flags.publish, ['8080:80', '9090:90/udp']);
  });

  it('defaults the directory to the empty string when missing', () => {
    assert.equal(toContainerOptions({}, ['/x'], false).directory, '');
  });
});

describe('run/boot option definitions', () => {
  function parse(argv: string[], command: CommandDef = runCommand) {
    return parseCommand(command, argv);
  }

  it('collects repeatable flags and maps them to options', () => {
    const { flags, command } = parse([
      '-D', '/srv/tree',
      '--bind', '/a',
      '--bind', '/b:/c',
      '--bind-ro', '/d:/e',
      '-E', 'A=1',
      '--setenv', 'B=2',
      '--network-bridge', 'br0',
      '--address', '10.0.0.2/24',
      '--address', 'fd00::2/64',
      '--gateway', '10.0.0.1',
      '-u', '1000',
      '-P',
      '/bin/sh', '-c', 'echo hi',
    ]);
    assert.deepEqual(command, ['/bin/sh', '-c', 'echo hi']);
    const options = toContainerOptions(flags, command, false);
    assert.equal(options.directory, '/srv/tree');
    assert.deepEqual(options.binds, [
      { source: '/a', readOnly: false },
      { source: '/b', destination: '/c', readOnly: false },
      { source: '/d', destination: '/e', readOnly: true },
    ]);
    assert.deepEqual(options.env, ['A=1', 'B=2']);
    assert.equal(options.user, '1000');
    assert.equal(options.console, false);
    assert.deepEqual(options.network, { bridge: 'br0', addresses: ['10.0.0.2/24', 'fd00::2/64'], gateways: ['10.0.0.1'] });
  });

  it('requires -D when the command runs', async () => {
    const { flags, positionals, command } = parse(['/bin/sh']);
    await assert.rejects(runCommand.run(flags, positionals, command), /^UsageError: run: -D\/--directory DIR is required \(see ts-nspawn run --help\)$/);
  });

  it('offers --console and --pipe to run, not to boot', () => {
    assert.equal(parse(['-D', '/d', '-t', '/bin/sh']).flags.console, true);
    assert.throws(() => parse(['-D', '/d', '--console'], bootCommand), /boot: unknown option '--console'/);
    assert.throws(() => parse(['-D', '/d', '--pipe'], bootCommand), /boot: unknown option '--pipe'/);
  });
});
