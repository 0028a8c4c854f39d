import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerError } from '../../src/errors.js';
import { buildSpec } from '../../src/oci/build-spec.js';
import type { Spec } from '../../src/oci/types.js';
import { InvalidSpecError, validateSpec } from '../../src/oci/validate.js';

/** A spec from buildSpec (no file-system look-ups: the user is numeric). */
function goodSpec(): Spec {
  return buildSpec({ directory: '/srv/box', command: ['/bin/sh'], user: '0:0' });
}

function problemsOf(input: unknown): string[] {
  try {
    validateSpec(input);
  } catch (error) {
    assert.ok(error instanceof InvalidSpecError, `not an InvalidSpecError: ${String(error)}`);
    assert.ok(error instanceof ContainerError);
    assert.equal(error.code, 'invalid-spec');
    assert.equal(error.exitCode, 125);
    assert.ok(!error.message.includes('\n'), 'one line');
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
  return [];
}

function assertProblem(input: unknown, pattern: RegExp): void {
  const problems = problemsOf(input);
  assert.ok(problems.some((problem) => pattern.test(problem)), `no problem matching ${pattern} in:\n${problems.join('\n')}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at any field, typed or not
function mutate(change: (spec: any) => void): Spec {
  const spec = goodSpec();
  change(spec);
  return spec;
}

describe('validateSpec', () => {
  it('accepts what buildSpec makes, returning the spec and its typed settings', () => {
    const spec = buildSpec({
      directory: '/srv/box',
      command: ['/bin/sh'],
      user: '0:0',
      machine: 'box',
      boot: true,
      network: { bridge: 'br0', addresses: ['10.0.0.2/24'], gateways: ['10.0.0.1'] },
    });
    const validated = validateSpec(spec);
    assert.equal(validated.spec, spec);
    assert.deepEqual(validated.settings, {
      machine: 'box',
      boot: true,
      network: { bridge: 'br0', addresses: ['10.0.0.2/24'], gateways: ['10.0.0.1'] },
    });
    assert.deepEqual(validateSpec(goodSpec()).settings, { boot: false });
  });

  it('reports every problem at once, each with its JSON path, in one line', () => {
    const spec = mutate((s) => {
      s.linux.namespaces.push({ type: 'network', path: 'relative' });
      s.mounts.push({ destination: 'tmp', type: 'tmpfs' });
      s.process.capabilities.bounding.push('CAP_NOPE');
    });
    const problems = problemsOf(spec);
    assert.ok(problems.length >= 3, problems.join('\n'));
    assertProblem(spec, /^linux\.namespaces\[6\]\.path: must be an absolute path/);
    assertProblem(spec, /^mounts\[\d+\]\.destination: must be an absolute path/);
    assertProblem(spec, /^process\.capabilities\.bounding\[\d+\]: unknown capability "CAP_NOPE"/);
    assert.throws(() => validateSpec(spec), (error: Error) => /^invalid container spec: .*; .*; /.test(error.message));
  });

  it('checks the official OCI schema: types, required fields, enums', () => {
    assertProblem(mutate((s) => (s.root.path = 5)), /^root\.path: must be string/);
    assertProblem(mutate((s) => delete s.ociVersion), /^ociVersion: is required/);
    assertProblem(mutate((s) => (s.linux.namespaces[0].type = 'bogus')), /^linux\.namespaces\[0\]\.type: must be one of "mount"/);
    assertProblem(mutate((s) => (s.process.user.uid = -1)), /^process\.user\.uid: must be >= 0/);
    assertProblem(mutate((s) => (s.process.args = 'sh')), /^process\.args: must be array/);
  });

  it('refuses input that is no JSON data: null, arrays, BigInt, Symbol, functions, cycles, NaN', () => {
    // BigInts and cycles are named by the walk; symbols, functions and NaN fail the schema's types.
    assertProblem(null, /must be an object \(an OCI runtime spec\), not null/);
    assertProblem([], /not an array/);
    assertProblem(mutate((s) => (s.process.user.uid = 1n)), /^process\.user\.uid: must be JSON data, not a bigint/);
    assertProblem(mutate((s) => (s.process.args = [Symbol('x')])), /^process\.args\[0\]: must be string/);
    assertProblem(mutate((s) => (s.hostname = () => 'x')), /^hostname: must be string/);
    assertProblem(mutate((s) => (s.linux.self = s)), /^linux\.self: refers back to itself/);
    assertProblem(mutate((s) => (s.process.user.gid = Number.NaN)), /^process\.user\.gid: must be integer/);
  });

  it('refuses NUL bytes and strings over the kernel limit of 128 KiB, naming the field', () => {
    assertProblem(mutate((s) => s.process.args.push('a\0b')), /^process\.args\[1\]: contains a NUL byte/);
    assertProblem(mutate((s) => s.process.env.push(`X=${'y'.repeat(128 * 1024)}`)), /^process\.env\[\d+\]: is longer than the kernel's limit/);
    assert.deepEqual(problemsOf(mutate((s) => s.process.args.push('y'.repeat(128 * 1024 - 1)))), []);
  });

  it('refuses a spec without a new mount namespace: it would run in the host root', () => {
    assertProblem(mutate((s) => (s.linux.namespaces = [])), /^linux\.namespaces: a new mount namespace is required/);
    assertProblem(
      mutate((s) => (s.linux.namespaces[0] = { type: 'mount', path: '/proc/1/ns/mnt' })),
      /^linux\.namespaces\[0\]\.path: joining a mount namespace is not supported/,
    );
  });

  it('refuses a user namespace without maps or joined with others by path, and a namespace listed twice', () => {
    assertProblem(mutate((s) => s.linux.namespaces.push({ type: 'user' })), /^linux\.uidMappings: a new user namespace needs its ID maps/);
    assertProblem(mutate((s) => {
      s.linux.namespaces.push({ type: 'user', path: '/proc/1/ns/user' });
      s.linux.namespaces[0] = { type: 'network', path: '/run/netns/x' };
    }), /^linux\.namespaces: joining a network namespace by path together with a user namespace is not supported/);
    assertProblem(mutate((s) => s.linux.namespaces.push({ type: 'pid', path: '/proc/1/ns/pid' })), /the pid namespace is listed twice/);
  });

  it('accepts namespaces joined by an absolute path', () => {
    const spec = mutate((s) => {
      s.linux.namespaces = s.linux.namespaces.filter((ns: { type: string }) => ns.type !== 'network');
      s.linux.namespaces.push({ type: 'network', path: '/run/netns/x' });
      delete s.process.capabilities; // CAP_NET_ADMIN is fine either way; keep the spec small
      delete s.linux.sysctl; // run's ping_group_range belongs to a network namespace of its own
    });
    assert.deepEqual(problemsOf(spec), []);
  });

  it('refuses relative mount destinations, masked and read-only paths, and a mount without a type', () => {
    assertProblem(mutate((s) => s.mounts.push({ destination: 'etc', source: '/x', options: ['rbind'] })), /^mounts\[\d+\]\.destination: must be an absolute path/);
    assertProblem(mutate((s) => s.linux.maskedPaths.push('proc/x')), /^linux\.maskedPaths\[\d+\]: must be an absolute path/);
    assertProblem(mutate((s) => s.linux.readonlyPaths.push('x')), /^linux\.readonlyPaths\[\d+\]: must be an absolute path/);
    assertProblem(mutate((s) => s.mounts.push({ destination: '/x', source: '/y' })), /^mounts\[\d+\]\.type: is required unless/);
  });

  it('checks names that reach the host or ip batch text: hostname, machine, bridge, addresses', () => {
    assertProblem(mutate((s) => (s.hostname = 'a b')), /^hostname: invalid hostname "a b"/);
    assertProblem(mutate((s) => (s.hostname = 'a\nb')), /^hostname: invalid hostname/);
    assertProblem(mutate((s) => (s.annotations['org.ts-nspawn.machine'] = '/../../victim')), /^annotations\["org\.ts-nspawn\.machine"\]: invalid machine name/);
    const bridged = (bridge: string, addresses: string, gateways = '') =>
      mutate((s) => Object.assign(s.annotations, {
        'org.ts-nspawn.network.bridge': bridge,
        'org.ts-nspawn.network.addresses': addresses,
        'org.ts-nspawn.network.gateways': gateways,
      }));
    assertProblem(bridged('br0\nlink del eth0', '10.0.0.2/24'), /^annotations\["org\.ts-nspawn\.network\.bridge"\]: invalid bridge name/);
    assertProblem(bridged('br0', '10.0.0.2/24 dev lo'), /^annotations\["org\.ts-nspawn\.network\.addresses"\]: invalid/);
    assertProblem(bridged('br0', '10.0.0.2/24', '10.9.9.9'), /gateway 10\.9\.9\.9 is in none of the container's subnets/);
    assertProblem(bridged('br0', ''), /needs at least one ADDR\/PREFIX/);
    assert.deepEqual(problemsOf(bridged('br0', '10.0.0.2/24,fd00::2/64', '10.0.0.1,fd00::1')), []);
  });

  it('refuses unknown ts-nspawn settings and bad values, and network settings without a bridge', () => {
    assertProblem(mutate((s) => (s.annotations['org.ts-nspawn.bot'] = 'true')), /^annotations\["org\.ts-nspawn\.bot"\]: unknown ts-nspawn setting/);
    assertProblem(mutate((s) => (s.annotations['org.ts-nspawn.boot'] = 'yes')), /must be "true" or "false"/);
    assertProblem(mutate((s) => (s.annotations['org.ts-nspawn.network.addresses'] = '10.0.0.2/24')), /needs org\.ts-nspawn\.network\.bridge/);
    assert.deepEqual(problemsOf(mutate((s) => (s.annotations['com.example.other'] = 'anything'))), []);
  });

  it('reads a user-mode network from every front door, and refuses it without a network namespace of its own', () => {
    const spec = buildSpec({ directory: '/srv/box', command: ['/bin/sh'], user: '0:0', userNetwork: { helper: 'slirp4netns', ports: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] } });
    assert.deepEqual(validateSpec(spec).settings.userNetwork, { helper: 'slirp4netns', options: [], ports: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
    const shared = mutate((s) => {
      s.annotations['org.ts-nspawn.network.helper'] = 'pasta';
      s.linux.namespaces = s.linux.namespaces.filter((ns: { type: string }) => ns.type !== 'network');
    });
    assertProblem(shared, /^annotations\["org\.ts-nspawn\.network\.helper"\]: pasta needs a new network namespace in linux\.namespaces$/);
    const joined = mutate((s) => {
      s.annotations['org.ts-nspawn.network.helper'] = 'pasta';
      s.linux.namespaces = [...s.linux.namespaces.filter((ns: { type: string }) => ns.type !== 'network'), { type: 'network', path: '/run/netns/x' }];
    });
    assertProblem(joined, /pasta needs a new network namespace/);
  });

  it('checks process fields: cwd, args, env, umask, rlimits', () => {
    assertProblem(mutate((s) => (s.process.cwd = 'home')), /^process\.cwd: must be an absolute path/);
    assertProblem(mutate((s) => (s.process.args = [])), /^process\.args: must name the command/);
    assertProblem(mutate((s) => (s.process.args = new Array(200_000).fill('x'))), /^process\.args: has 200000 entries; the executor takes at most 65536/);
    assertProblem(mutate((s) => delete s.process), /^process: is required/);
    assertProblem(mutate((s) => s.process.env.push('NOEQUALS')), /^process\.env\[\d+\]: must be NAME=VALUE/);
    assertProblem(mutate((s) => (s.process.user.umask = 0o1000)), /^process\.user\.umask: must be a file mode/);
    assertProblem(mutate((s) => (s.process.rlimits = [{ type: 'RLIMIT_FOO', soft: 1, hard: 1 }])), /^process\.rlimits\[0\]\.type: unknown rlimit "RLIMIT_FOO"/);
    assertProblem(mutate((s) => (s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 2, hard: 1 }])), /^process\.rlimits\[0\]: the soft limit 2 is above the hard limit 1/);
    assertProblem(
      mutate((s) => (s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }])),
      /^process\.rlimits\[1\]\.type: RLIMIT_NOFILE is given twice/,
    );
    assertProblem(mutate((s) => (s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: -1, hard: 1 }])), /^process\.rlimits\[0\]\.soft: must be >= 0/);
    assert.deepEqual(problemsOf(mutate((s) => (s.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 0, hard: 18446744073709551615 }]))), []);
  });

  it('allows only namespaced sysctls, each with its own namespace', () => {
    const withSysctl = (sysctl: Record<string, string>, drop?: string) =>
      mutate((s) => {
        s.linux.sysctl = sysctl;
        if (drop) s.linux.namespaces = s.linux.namespaces.filter((ns: { type: string }) => ns.type !== drop);
      });
    assert.deepEqual(problemsOf(withSysctl({ 'kernel.shmmax': '4096', 'fs.mqueue.msg_max': '20', 'net.ipv4.ip_forward': '1', 'kernel.sem': '1 2 3 4' })), []);
    assertProblem(withSysctl({ 'kernel.pid_max': '1' }), /^linux\.sysctl\["kernel\.pid_max"\]: is not a namespaced sysctl/);
    assertProblem(withSysctl({ 'vm.swappiness': '1' }), /is not a namespaced sysctl/);
    assertProblem(withSysctl({ 'net.ipv4.ip_forward': '1' }, 'network'), /^linux\.sysctl\["net\.ipv4\.ip_forward"\]: needs a new network namespace/);
    assertProblem(withSysctl({ 'kernel.shmmax': '1' }, 'ipc'), /needs a new ipc namespace/);
    assertProblem(withSysctl({ 'kernel.hostname': 'x' }, 'uts'), /needs a new uts namespace/);
    assertProblem(withSysctl({ '../../etc/x': '1' }), /is not a sysctl name/);
  });

  it('accepts linux.seccomp, refusing what the executor cannot carry out', () => {
    assert.deepEqual(problemsOf(mutate((s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }))), []);
    assertProblem(mutate((s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' })), /^linux\.seccomp: seccomp notify listeners \(SCMP_ACT_NOTIFY, listenerPath\) are not supported/);
  });

  it('refuses fields it does not implement that change the container, naming each', () => {
    assertProblem(mutate((s) => (s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])), /^linux\.uidMappings: needs a new user namespace/);
    assertProblem(mutate((s) => (s.linux.intelRdt = { closID: 'x' })), /^linux\.intelRdt: Intel RDT/);
    assertProblem(mutate((s) => (s.linux.netDevices = { eth1: {} })), /^linux\.netDevices: moving host network devices/);
    assertProblem(mutate((s) => (s.linux.resources = { blockIO: { leafWeight: 10 } })), /^linux\.resources\.blockIO\.leafWeight: this cgroup limit is not supported yet/);
    assertProblem(mutate((s) => (s.linux.resources = { memory: { limit: 1, reservation: 1 } })), /^linux\.resources\.memory\.reservation: this cgroup limit/);
    assertProblem(mutate((s) => (s.annotations = { 'org.ts-nspawn.cgroup-parent': '../up' })), /cgroup-parent.*invalid cgroup path/);
    assertProblem(mutate((s) => (s.linux.timeOffsets = {})), /^linux\.timeOffsets: needs a new time namespace/);
  });

  it('accepts the limits the cgroup manager applies', () => {
    const spec = mutate((s) => (s.linux.resources = { pids: { limit: 10 }, memory: { limit: 1 << 20 }, cpu: { quota: 5000, period: 10000 }, devices: [{ allow: false, access: 'rwm' }] }));
    assert.doesNotThrow(() => validateSpec(spec));
    const more = mutate((s) => (s.linux.resources = { memory: { limit: 1 << 20, swap: 2 << 20 }, cpu: { shares: 1024, cpus: '0-1,3', mems: '0' }, blockIO: { weight: 500 } }));
    assert.doesNotThrow(() => validateSpec(more));
    // 0 is "unset" for these, as runc reads them.
    assert.doesNotThrow(() => validateSpec(mutate((s) => (s.linux.resources = { memory: { swap: 0 }, cpu: { shares: 0, cpus: '' }, blockIO: { weight: 0 } }))));
  });

  it('checks the values of the limits: swap against memory, shares, cpuset lists and the I/O weight in their ranges', () => {
    const resources = (value: object) => mutate((s) => (s.linux.resources = value));
    assertProblem(resources({ memory: { swap: 1 << 20 } }), /^linux\.resources\.memory\.swap: a swap limit needs a memory limit/);
    assertProblem(resources({ memory: { limit: 2 << 20, swap: 1 << 20 } }), /^linux\.resources\.memory\.swap: counts memory and swap together: 1048576 is below the memory limit 2097152/);
    assertProblem(resources({ cpu: { shares: 1 } }), /^linux\.resources\.cpu\.shares: must be from 2 to 262144, not 1/);
    assertProblem(resources({ cpu: { cpus: '3-1' } }), /^linux\.resources\.cpu\.cpus: must be a list such as 0-2,4, not "3-1"/);
    assertProblem(resources({ cpu: { mems: 'all' } }), /^linux\.resources\.cpu\.mems: must be a list/);
    assertProblem(resources({ blockIO: { weight: 1001 } }), /^linux\.resources\.blockIO\.weight: must be from 10 to 1000, not 1001/);
  });

  it('refuses a hostname without a new uts namespace, devices outside /dev or of another type', () => {
    assertProblem(mutate((s) => (s.linux.namespaces = s.linux.namespaces.filter((ns: { type: string }) => ns.type !== 'uts'))), /^hostname: setting a hostname needs a new uts namespace/);
    assertProblem(mutate((s) => (s.linux.devices = [{ type: 'c', path: '/etc/x', major: 1, minor: 3 }])), /^linux\.devices\[0\]\.path: must be a path below \/dev/);
    assertProblem(mutate((s) => (s.linux.devices = [{ type: 'p', path: '/dev/fifo' }])), /^linux\.devices\[0\]\.type: only character/);
  });
});

describe('jsonProblems (the walk that names a field JSON cannot hold)', () => {
  it('names symbols, functions, NaN, non-plain objects and deep nesting too', async () => {
    const { jsonProblems } = await import('../../src/oci/json-value.js');
    const problems = jsonProblems({ a: [Symbol('x'), () => 1, Number.NaN], d: new Date(0), n: JSON.parse('['.repeat(70) + ']'.repeat(70)) });
    assert.deepEqual(problems.map((problem) => `${problem.path}: ${problem.message}`), [
      'a[0]: must be JSON data, not a symbol',
      'a[1]: must be JSON data, not a function',
      'a[2]: must be a finite number, not NaN',
      'd: must be a plain object or array, not a Date',
      `n${'[0]'.repeat(63)}: is nested more than 64 levels deep`,
    ]);
  });

  it('leaves only the built-in, frozen seccomp profile out of the schema pass: a copy of it is checked', () => {
    const spec = buildSpec({ directory: '/srv/box', command: ['/bin/true'] });
    const builtIn = spec.linux!.seccomp!;
    assert.ok(Object.isFrozen(builtIn) && Object.isFrozen(builtIn.syscalls![0]));
    assert.throws(() => {
      (builtIn.syscalls as unknown[]).push({ names: ['reboot'], action: 'SCMP_ACT_ALLOW' });
    }, TypeError);
    assert.equal(validateSpec(spec).spec.linux!.seccomp, builtIn);
    // The same rules in a copy the caller made (and could have changed) go through the schema.
    const copy = structuredClone(builtIn);
    (copy.syscalls![0] as { action: string }).action = 'SCMP_ACT_NOPE';
    assert.match(problemsOf({ ...spec, linux: { ...spec.linux, seccomp: copy } }).join('\n'), /linux\.seccomp\.syscalls\[0\]\.action: must be one of/);
  });
});
