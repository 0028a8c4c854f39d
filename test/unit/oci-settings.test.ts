import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSettings, settingsAnnotations, settingsOf, type NspawnSettings } from '../../src/oci/settings.js';
import type { Problem } from '../../src/oci/validate.js';

describe('NspawnSettings', () => {
  it('round-trips through its stored form (annotations)', () => {
    const cases: NspawnSettings[] = [
      { boot: false },
      { boot: true, machine: 'deb' },
      { boot: false, machine: 'web-1', network: { bridge: 'br0', addresses: ['10.0.0.2/24', 'fd00::2/64'], gateways: ['10.0.0.1'] } },
      { boot: false, network: { bridge: 'br0', addresses: ['10.0.0.2/24'], gateways: [] } },
      { boot: false, userNetwork: { helper: 'pasta', options: [], ports: [] } },
      {
        boot: true,
        userNetwork: {
          helper: 'pasta',
          // An option may hold a comma: the stored form is JSON.
          options: ['-T', '8000,8001', '--map-gw'],
          ports: [
            { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
            { hostAddress: '::1', hostPort: 5353, containerPort: 53, protocol: 'udp' },
            { hostAddress: '127.0.0.1', hostPort: 2222, containerPort: 22, protocol: 'tcp' },
          ],
        },
      },
      { boot: false, userNetwork: { helper: 'slirp4netns', options: ['cidr=10.5.0.0/24', 'allow_host_loopback=true'], ports: [{ hostPort: 80, containerPort: 80, protocol: 'tcp' }] } },
    ];
    for (const settings of cases) {
      const problems: Problem[] = [];
      assert.deepEqual(parseSettings(settingsAnnotations(settings), problems), settings);
      assert.deepEqual(problems, []);
    }
  });

  it('reports each bad user-mode network value at its annotation', () => {
    const problems: Problem[] = [];
    const settings = parseSettings(
      {
        'org.ts-nspawn.network.helper': 'vpn',
        'org.ts-nspawn.network.helper-options': '["-t",1]',
        'org.ts-nspawn.network.ports': '8080:80,70000:80,8080:81/sctp',
      },
      problems,
    );
    assert.equal(settings.userNetwork, undefined);
    assert.deepEqual(problems.map((problem) => problem.path), [
      'annotations["org.ts-nspawn.network.helper"]',
      'annotations["org.ts-nspawn.network.helper-options"]',
      'annotations["org.ts-nspawn.network.ports"]',
      'annotations["org.ts-nspawn.network.ports"]',
    ]);
    assert.match(problems[0]!.message, /must be one of pasta, slirp4netns, not "vpn"/);
    assert.match(problems[1]!.message, /a JSON array of strings/);
    assert.match(problems[2]!.message, /'70000' is not a port number/);
    assert.match(problems[3]!.message, /unknown protocol 'sctp'/);
  });

  it('refuses a helper with a bridge, options or ports without a helper, an option the runtime sets, a port published twice', () => {
    const problemsOf = (annotations: Record<string, string>) => {
      const problems: Problem[] = [];
      parseSettings(annotations, problems);
      return problems.map((problem) => `${problem.path}: ${problem.message}`);
    };
    assert.match(
      problemsOf({ 'org.ts-nspawn.network.helper': 'pasta', 'org.ts-nspawn.network.bridge': 'br0', 'org.ts-nspawn.network.addresses': '10.0.0.2/24' }).join('\n'),
      /network\.helper"\]: a container has one network: .* exclude each other/,
    );
    assert.match(problemsOf({ 'org.ts-nspawn.network.ports': '80:80/tcp' }).join(), /network\.ports"\]: needs org\.ts-nspawn\.network\.helper/);
    assert.match(problemsOf({ 'org.ts-nspawn.network.helper-options': '[]' }).join(), /helper-options"\]: needs org\.ts-nspawn\.network\.helper/);
    assert.match(
      problemsOf({ 'org.ts-nspawn.network.helper': 'pasta', 'org.ts-nspawn.network.helper-options': '["--userns=/proc/1/ns/user"]' }).join(),
      /helper-options"\]: the pasta option '--userns=\/proc\/1\/ns\/user' is set by ts-nspawn itself/,
    );
    assert.match(
      problemsOf({ 'org.ts-nspawn.network.helper': 'slirp4netns', 'org.ts-nspawn.network.ports': '80:80/tcp,127.0.0.1:80:81/tcp' }).join(),
      /network\.ports"\]: host port 80\/tcp is published twice/,
    );
    assert.deepEqual(problemsOf({ 'org.ts-nspawn.network.helper': 'slirp4netns', 'org.ts-nspawn.network.ports': '80:80/tcp,80:80/udp,127.0.0.1:81:81,127.0.0.2:81:81' }), []);
  });

  it('stores nothing for the defaults', () => {
    assert.deepEqual(settingsAnnotations({ boot: false }), {});
  });

  it('settingsOf reads a spec leniently, leaving out what is bad', () => {
    assert.deepEqual(settingsOf({ annotations: { 'org.ts-nspawn.boot': 'true', 'org.ts-nspawn.machine': 'a b' } }), { boot: true });
    assert.deepEqual(settingsOf({}), { boot: false });
  });
});
