import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { devicePolicy } from '../../src/cgroups/device-rules.js';
import { ANNOTATION } from '../../src/oci/annotations.js';
import { DEFAULT_BOOT_PIDS_LIMIT, DEFAULT_PIDS_LIMIT } from '../../src/oci/resources.js';
import { buildSpec, INIT_PATH, machineNameFrom } from '../../src/oci/build-spec.js';
import { userNamespaceRefusal } from '../../src/host/user-namespaces.js';
import type { ContainerOptions } from '../../src/oci/container-options.js';
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_DEVICES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH,
  DEFAULT_READONLY_PATHS,
  defaultMounts,
} from '../../src/oci/defaults.js';
import type { Spec } from '../../src/oci/types.js';
import { RUN_CAPABILITIES } from '../../src/security/capabilities.js';
import { defaultSeccompProfile } from '../../src/security/seccomp-default.js';
import { assertContainerError, makeTempDir, writeTree } from './helpers/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('buildSpec', () => {
  const temp = makeTempDir();
  const root = join(temp.path, 'My_Tree.v2');
  const hostDir = join(temp.path, 'host-data');

  before(() => {
    writeTree(root, { 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n', 'sbin/init': '' });
    mkdirSync(hostDir);
  });

  after(() => temp.remove());

  const build = (options: Partial<ContainerOptions> = {}): Spec =>
    buildSpec({ directory: root, command: ['/bin/true'], ...options });

  /** The environment as a record, failing on duplicates. */
  const envOf = (spec: Spec): Map<string, string> => {
    const env = new Map<string, string>();
    for (const entry of spec.process?.env ?? []) {
      const equals = entry.indexOf('=');
      assert.ok(equals > 0, entry);
      const key = entry.slice(0, equals);
      assert.ok(!env.has(key), `duplicate ${key}`);
      env.set(key, entry.slice(equals + 1));
    }
    return env;
  };

  describe('good input', () => {
    it('builds the default spec of a command container', () => {
      const spec = build();
      assert.equal(spec.ociVersion, '1.2.0');
      assert.deepEqual(spec.root, { path: root });
      assert.equal(spec.hostname, 'My-Tree-v2');
      // The derived name is only a default, made unique by the runtime: no annotation fixes it.
      assert.deepEqual(spec.annotations, {});
      assert.deepEqual(build({ machine: 'fixed' }).annotations, { [ANNOTATION.machine]: 'fixed' });
      assert.equal(spec.process?.terminal, false);
      assert.deepEqual(spec.process?.user, { uid: 0, gid: 0 });
      assert.deepEqual(spec.process?.args, ['/bin/true']);
      assert.equal(spec.process?.cwd, '/');
      assert.deepEqual(spec.mounts, defaultMounts());
      assert.deepEqual(spec.linux, {
        namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'uts' }, { type: 'ipc' }, { type: 'cgroup' }, { type: 'network' }],
        maskedPaths: DEFAULT_MASKED_PATHS,
        readonlyPaths: DEFAULT_READONLY_PATHS,
        rootfsPropagation: 'private',
        resources: { pids: { limit: DEFAULT_PIDS_LIMIT }, devices: devicePolicy(DEFAULT_DEVICES) },
        seccomp: defaultSeccompProfile({ capabilities: RUN_CAPABILITIES }),
        sysctl: { 'net.ipv4.ping_group_range': '0 2147483647' },
      });
      assert.equal(spec.process?.noNewPrivileges, true);
    });

    it('records the pids limit (0 and -1: unlimited), a memory limit, the cgroup parent and --device nodes', () => {
      assert.equal(build({ boot: true }).linux?.resources?.pids?.limit, DEFAULT_BOOT_PIDS_LIMIT);
      assert.equal(build({ pidsLimit: 64 }).linux?.resources?.pids?.limit, 64);
      assert.equal(build({ pidsLimit: 0 }).linux?.resources?.pids?.limit, -1);
      assert.equal(build({ pidsLimit: -1 }).linux?.resources?.pids?.limit, -1);
      assert.throws(() => build({ pidsLimit: -2 }), /invalid pids limit -2/);
      assert.deepEqual(build({ memory: 64 << 20 }).linux?.resources?.memory, { limit: 64 << 20 });
      assert.deepEqual(build({ cpus: 0.5 }).linux?.resources?.cpu, { quota: 50000, period: 100000 });
      assert.throws(() => build({ cpus: 0 }), /invalid CPU limit 0/);
      assert.equal(build({ cgroupParent: '/a/b/' }).annotations?.[ANNOTATION.cgroupParent], 'a/b');
      assert.throws(() => build({ cgroupParent: '../x' }), /invalid --cgroup-parent/);
      const spec = build({ devices: [{ source: '/dev/null', destination: '/dev/mynull', access: 'rw' }] });
      assert.deepEqual(spec.linux?.devices, [{ type: 'c', path: '/dev/mynull', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }]);
      assert.deepEqual(spec.linux?.resources?.devices?.at(-1), { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' });
      assert.throws(() => build({ devices: [{ source: '/etc/passwd', destination: '/dev/passwd' }] }), /not a device node/);
      assert.throws(() => build({ devices: [{ source: '/dev/null', destination: '/tmp/x' }] }), /below \/dev/);
    });

    it('resolves a relative directory to an absolute root path', () => {
      const fromCwd = relative(process.cwd(), root);
      assert.ok(!isAbsolute(fromCwd));
      assert.equal(build({ directory: fromCwd }).root.path, root);
      assert.equal(build({ directory: join(root, 'etc', '..') }).root.path, root);
    });

    it('derives the machine name from the directory base name', () => {
      assert.equal(machineNameFrom('/srv/My_Tree.v2'), 'My-Tree-v2');
      assert.equal(machineNameFrom('/srv/__debian  12__'), 'debian-12');
      assert.equal(machineNameFrom('/srv/tree/'), 'tree');
      assert.equal(machineNameFrom('/'), 'container');
      assert.equal(machineNameFrom('/srv/___'), 'container');
      const long = machineNameFrom(`/srv/${'a'.repeat(63)}_b`);
      assert.equal(long, 'a'.repeat(63)); // cut at 64, then the trailing dash dropped
    });

    it('uses an explicit machine name, and the hostname defaults to it', () => {
      const spec = build({ machine: 'web1' });
      assert.equal(spec.hostname, 'web1');
      assert.equal(spec.annotations?.[ANNOTATION.machine], 'web1');
    });

    it('keeps a hostname apart from the machine name', () => {
      const spec = build({ machine: 'web1', hostname: 'frontend' });
      assert.equal(spec.hostname, 'frontend');
      assert.equal(spec.annotations?.[ANNOTATION.machine], 'web1');
    });

    it('accepts a 64-character hostname of dot-separated labels of up to 63 characters', () => {
      const name = `a${'-'.repeat(60)}b.c`;
      assert.equal(name.length, 64);
      assert.equal(build({ hostname: name }).hostname, name);
      assert.equal(build({ hostname: `a${'-'.repeat(61)}b` }).hostname?.length, 63);
      assert.equal(build({ hostname: 'web.example.org' }).hostname, 'web.example.org');
      assertContainerError(() => build({ hostname: 'a'.repeat(64) }), 'invalid hostname');
      assertContainerError(() => build({ hostname: 'a..b' }), "invalid hostname 'a..b'");
    });

    it('sets PATH, container, container_uuid and HOME, in that order, and no TERM without a console', () => {
      const spec = build();
      const env = envOf(spec);
      assert.deepEqual([...env.keys()], ['PATH', 'container', 'container_uuid', 'HOME']);
      assert.equal(env.get('PATH'), DEFAULT_PATH);
      assert.equal(env.get('PATH'), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
      assert.equal(env.get('container'), 'ts-nspawn');
      assert.match(env.get('container_uuid') ?? '', UUID);
      assert.equal(env.get('HOME'), '/root');
    });

    it('gives each container its own container_uuid', () => {
      assert.notEqual(envOf(build()).get('container_uuid'), envOf(build()).get('container_uuid'));
    });

    it('sets TERM with a console: the given one, else vt220', () => {
      const withTerm = build({ console: true, term: 'xterm-256color' });
      assert.equal(withTerm.process?.terminal, true);
      assert.equal(envOf(withTerm).get('TERM'), 'xterm-256color');
      assert.equal(envOf(build({ console: true })).get('TERM'), 'vt220');
      assert.equal(envOf(build({ console: true, term: '' })).get('TERM'), 'vt220');
      assert.equal(envOf(build({ console: false, term: 'xterm' })).has('TERM'), false);
    });

    it('adds --setenv assignments, which may override defaults in place and contain =', () => {
      const env = envOf(build({ env: ['FOO=bar', 'PATH=/opt/bin', 'EMPTY=', 'EQ=a=b'] }));
      assert.deepEqual([...env.keys()], ['PATH', 'container', 'container_uuid', 'HOME', 'FOO', 'EMPTY', 'EQ']);
      assert.equal(env.get('PATH'), '/opt/bin');
      assert.equal(env.get('FOO'), 'bar');
      assert.equal(env.get('EMPTY'), '');
      assert.equal(env.get('EQ'), 'a=b');
    });

    it('accepts the environment as a record', () => {
      const env = envOf(build({ env: { FOO: 'bar', HOME: '/srv' } }));
      assert.equal(env.get('FOO'), 'bar');
      assert.equal(env.get('HOME'), '/srv');
    });

    it('takes HOME, uid and gid from the container passwd', () => {
      const spec = build({ user: 'alice' });
      assert.deepEqual(spec.process?.user, { uid: 1000, gid: 1000 });
      assert.equal(envOf(spec).get('HOME'), '/home/alice');
    });

    it('prepends /sbin/init for boot and marks the spec', () => {
      assert.equal(INIT_PATH, '/sbin/init');
      const spec = build({ boot: true, command: ['--unit=rescue.target'] });
      assert.deepEqual(spec.process?.args, ['/sbin/init', '--unit=rescue.target']);
      assert.equal(spec.annotations?.[ANNOTATION.boot], 'true');
      assert.deepEqual(build({ boot: true, command: undefined }).process?.args, ['/sbin/init']);
      assert.equal(build().annotations?.[ANNOTATION.boot], undefined);
    });

    it('keeps --chdir', () => {
      assert.equal(build({ chdir: '/srv/app' }).process?.cwd, '/srv/app');
    });

    it('gives run podman\'s capability set plus MKNOD, without CAP_NET_ADMIN even with a private network', () => {
      const caps = build().process?.capabilities;
      const expected = [...RUN_CAPABILITIES].sort();
      assert.deepEqual(caps?.bounding?.slice().sort(), expected);
      assert.deepEqual(caps?.effective?.slice().sort(), expected);
      assert.deepEqual(caps?.permitted?.slice().sort(), expected);
      assert.deepEqual([caps?.inheritable, caps?.ambient], [[], []]);
      for (const cap of ['CAP_SYS_ADMIN', 'CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE', 'CAP_NET_RAW', 'CAP_NET_ADMIN']) {
        assert.ok(!caps?.bounding?.includes(cap as 'CAP_X'), cap);
      }
    });

    it('gives boot systemd-nspawn\'s set, plus CAP_NET_ADMIN with a private network only', () => {
      const sorted = (list: readonly string[] | undefined) => [...(list ?? [])].sort();
      assert.deepEqual(sorted(build({ boot: true }).process?.capabilities?.bounding), sorted([...DEFAULT_CAPABILITIES, 'CAP_NET_ADMIN']));
      const spec = build({ boot: true, hostNetwork: true });
      assert.deepEqual(sorted(spec.process?.capabilities?.bounding), sorted(DEFAULT_CAPABILITIES));
      // A temp directory on ext4/tmpfs can be idmapped: boot gets private users by default.
      // Private users by default, where the kernel makes user namespaces (not in a chroot).
      const user = userNamespaceRefusal() ? [] : ['user'];
      assert.deepEqual(spec.linux?.namespaces?.map((ns) => ns.type), [...user, 'mount', 'pid', 'uts', 'ipc', 'cgroup']);
    });

    it('starts a non-root user with no capabilities, not even in the bounding set', () => {
      const caps = build({ user: '1000' }).process?.capabilities;
      assert.deepEqual(caps, { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] });
    });

    it('appends bind mounts after the default mounts', () => {
      const spec = build({
        binds: [
          { source: hostDir },
          { source: hostDir, destination: '/mnt/data', readOnly: true },
        ],
      });
      const defaults = defaultMounts().length;
      assert.deepEqual(spec.mounts?.slice(0, defaults), defaultMounts());
      assert.deepEqual(spec.mounts?.slice(defaults), [
        { destination: hostDir, source: hostDir, type: 'bind', options: ['rbind', 'nosuid', 'nodev'] },
        { destination: '/mnt/data', source: hostDir, type: 'bind', options: ['rbind', 'nosuid', 'nodev', 'ro'] },
      ]);
    });

    it('idmaps a writable bind under private users, never a read-only one (its files must stay the host\'s if it is remounted read-write)', { skip: userNamespaceRefusal() && 'no user namespace here' }, () => {
      const spec = build({
        privateUsers: 'pick',
        privateUsersOwnership: 'map',
        binds: [
          { source: hostDir, destination: '/mnt/rw' },
          { source: hostDir, destination: '/mnt/ro', readOnly: true },
        ],
      });
      const bound = (destination: string) => spec.mounts?.find((mount) => mount.destination === destination)?.options;
      assert.deepEqual(bound('/mnt/rw'), ['rbind', 'nosuid', 'nodev', 'ridmap']);
      assert.deepEqual(bound('/mnt/ro'), ['rbind', 'nosuid', 'nodev', 'ro']);
    });

    it('carries the bridge, addresses and gateways as annotations', () => {
      const spec = build({
        network: { bridge: 'br0', addresses: ['10.0.0.2/24', 'fd00::2/64'], gateways: ['10.0.0.1', 'fd00::1'] },
      });
      assert.deepEqual(spec.annotations, {
        [ANNOTATION.bridge]: 'br0',
        [ANNOTATION.addresses]: '10.0.0.2/24,fd00::2/64',
        [ANNOTATION.gateways]: '10.0.0.1,fd00::1',
      });
      assert.equal(ANNOTATION.bridge, 'org.ts-nspawn.network.bridge');
      assert.equal(ANNOTATION.addresses, 'org.ts-nspawn.network.addresses');
      assert.equal(ANNOTATION.gateways, 'org.ts-nspawn.network.gateways');
    });

    it('accepts an IPv6-only network with a gateway', () => {
      const spec = build({ network: { bridge: 'br0', addresses: ['fd00::2/64'], gateways: ['fd00::1'] } });
      assert.equal(spec.annotations?.[ANNOTATION.addresses], 'fd00::2/64');
      assert.equal(spec.annotations?.[ANNOTATION.gateways], 'fd00::1');
    });

    it('accepts a network without gateways (empty annotation)', () => {
      const spec = build({ network: { bridge: 'br-lan.10', addresses: ['192.168.5.9/16'] } });
      assert.equal(spec.annotations?.[ANNOTATION.bridge], 'br-lan.10');
      assert.equal(spec.annotations?.[ANNOTATION.gateways], '');
    });

    it('carries a user-mode network as annotations, in a network namespace of its own', () => {
      const spec = build({ userNetwork: { helper: 'pasta', options: ['-T', 'auto'], ports: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] } });
      assert.deepEqual(spec.annotations, {
        [ANNOTATION.helper]: 'pasta',
        [ANNOTATION.helperOptions]: '["-T","auto"]',
        [ANNOTATION.ports]: '8080:80/tcp',
      });
      assert.ok(spec.linux?.namespaces?.some((ns) => ns.type === 'network' && !ns.path));
      assert.deepEqual(build({ userNetwork: { helper: 'slirp4netns' } }).annotations, { [ANNOTATION.helper]: 'slirp4netns' });
    });

    it('accepts a 15-character bridge name', () => {
      const spec = build({ network: { bridge: 'b'.repeat(15), addresses: ['10.0.0.2/24'] } });
      assert.equal(spec.annotations?.[ANNOTATION.bridge], 'b'.repeat(15));
    });

    it('returns fresh arrays: changing one spec does not change the defaults', () => {
      const spec = build();
      spec.linux?.maskedPaths?.push('/proc/extra');
      spec.mounts?.pop();
      assert.ok(!DEFAULT_MASKED_PATHS.includes('/proc/extra'));
      assert.equal(build().mounts?.length, defaultMounts().length);
    });
  });

  describe('bad input (ContainerError, exit code 125, quoting the value)', () => {
    it('rejects an invalid machine name', () => {
      assertContainerError(() => build({ machine: 'my_box' }), "invalid machine name 'my_box'");
      assertContainerError(() => build({ machine: '-box' }), "invalid machine name '-box'");
      assertContainerError(() => build({ machine: 'x'.repeat(65) }), `invalid machine name '${'x'.repeat(65)}'`);
    });

    it('rejects an invalid hostname', () => {
      assertContainerError(() => build({ hostname: 'box-' }), "invalid hostname 'box-'");
      assertContainerError(() => build({ hostname: 'a b' }), "invalid hostname 'a b'");
      assertContainerError(() => build({ hostname: '' }), "invalid hostname ''");
    });

    it('rejects an empty command', () => {
      assertContainerError(() => build({ command: [] }), 'no command given');
      assertContainerError(() => build({ command: undefined }), 'no command given');
    });

    it('rejects a relative --chdir', () => {
      assertContainerError(() => build({ chdir: 'srv' }), "invalid --chdir 'srv'", 'absolute');
    });

    it('rejects a bind source that does not exist', () => {
      const missing = join(temp.path, 'missing');
      assertContainerError(() => build({ binds: [{ source: missing }] }), `bind source '${missing}' does not exist`);
    });

    it('rejects a relative bind destination', () => {
      assertContainerError(
        () => build({ binds: [{ source: hostDir, destination: 'mnt/data' }] }),
        "invalid bind destination 'mnt/data'",
      );
    });

    it('rejects an environment assignment without =, or with an empty name', () => {
      assertContainerError(() => build({ env: ['FOO'] }), "invalid --setenv 'FOO'", 'NAME=VALUE');
      assertContainerError(() => build({ env: ['=value'] }), "invalid --setenv '=value'");
    });

    it('rejects a record key that cannot be a variable name', () => {
      assertContainerError(() => build({ env: { 'A=B': 'c' } }), "invalid environment variable name 'A=B'");
      assertContainerError(() => build({ env: { '': 'c' } }), "invalid environment variable name ''");
    });

    it('rejects a user-mode network with another network, or with options or ports it cannot take', () => {
      assertContainerError(() => build({ userNetwork: { helper: 'pasta' }, hostNetwork: true }), '--network=pasta and --host-network exclude each other');
      assertContainerError(
        () => build({ userNetwork: { helper: 'slirp4netns' }, network: { bridge: 'br0', addresses: ['10.0.0.2/24'] } }),
        '--network=slirp4netns and --network-bridge exclude each other',
      );
      assertContainerError(() => build({ userNetwork: { helper: 'pasta', options: ['--netns', '/x'] } }), "--network=pasta: the pasta option '--netns' is set by ts-nspawn itself");
      assertContainerError(() => build({ userNetwork: { helper: 'slirp4netns', options: ['mtu=9'] } }), "invalid slirp4netns option 'mtu=9'");
      assertContainerError(
        () => build({ userNetwork: { helper: 'pasta', ports: [{ hostPort: 80, containerPort: 80, protocol: 'tcp' }, { hostPort: 80, containerPort: 81, protocol: 'tcp' }] } }),
        'host port 80/tcp is published twice',
      );
      assertContainerError(() => build({ userNetwork: { helper: 'vpn' as 'pasta' } }), "unknown user-mode network helper 'vpn'");
    });

    it('rejects a network without addresses', () => {
      assertContainerError(() => build({ network: { bridge: 'br0', addresses: [] } }), '--network-bridge needs at least one --address');
    });

    it('rejects malformed addresses', () => {
      const network = (address: string) => ({ network: { bridge: 'br0', addresses: [address] } });
      assertContainerError(() => build(network('10.0.0.300/24')), "'10.0.0.300/24'");
      assertContainerError(() => build(network('10.0.0.2')), "'10.0.0.2'", 'no prefix length');
      assertContainerError(() => build(network('10.0.0.2/33')), "'10.0.0.2/33'", 'prefix');
    });

    it('rejects a gateway outside every subnet, naming the subnets', () => {
      assertContainerError(
        () => build({ network: { bridge: 'br0', addresses: ['10.0.0.2/24'], gateways: ['10.0.1.1'] } }),
        'gateway 10.0.1.1 is outside',
        '10.0.0.2/24',
      );
      assertContainerError(
        () => build({ network: { bridge: 'br0', addresses: ['10.0.0.2/24'], gateways: ['fd00::1'] } }),
        'gateway fd00::1 is outside',
      );
    });

    it('rejects a malformed gateway', () => {
      assertContainerError(
        () => build({ network: { bridge: 'br0', addresses: ['10.0.0.2/24'], gateways: ['10.0.0.1/24'] } }),
        "invalid gateway '10.0.0.1/24'",
      );
    });

    it('rejects two gateways of one family', () => {
      assertContainerError(
        () => build({ network: { bridge: 'br0', addresses: ['10.0.0.2/24'], gateways: ['10.0.0.1', '10.0.0.254'] } }),
        'more than one IPv4 gateway',
      );
      assertContainerError(
        () => build({ network: { bridge: 'br0', addresses: ['fd00::2/64'], gateways: ['fd00::1', 'fd00::fe'] } }),
        'more than one IPv6 gateway',
      );
    });

    it('rejects --network-bridge together with the host network', () => {
      assertContainerError(
        () => build({ hostNetwork: true, network: { bridge: 'br0', addresses: ['10.0.0.2/24'] } }),
        '--network-bridge and --host-network exclude each other',
      );
    });

    it('rejects an invalid bridge name', () => {
      const network = (bridge: string) => ({ network: { bridge, addresses: ['10.0.0.2/24'] } });
      assertContainerError(() => build(network('b'.repeat(16))), `invalid bridge name '${'b'.repeat(16)}'`);
      assertContainerError(() => build(network('')), "invalid bridge name ''");
      assertContainerError(() => build(network('br 0')), "invalid bridge name 'br 0'");
      assertContainerError(() => build(network('br/0')), "invalid bridge name 'br/0'");
      assertContainerError(() => build(network('br:0')), "invalid bridge name 'br:0'");
    });

    it('rejects an unknown --user name', () => {
      assertContainerError(() => build({ user: 'mallory' }), "user 'mallory' does not exist");
    });
  });
});
