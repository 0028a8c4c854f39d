import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerError } from '../../src/errors.js';
import { duplicatePort, formatPortForward, parsePortForward } from '../../src/network/ports.js';
import { pastaArguments } from '../../src/network/pasta.js';
import { resolvConfText } from '../../src/network/resolv-conf.js';
import { hostForwardRequest, slirpArguments } from '../../src/network/slirp4netns.js';
import { dnsServers, helperOptionsProblem, slirpAddress, slirpOptions, type UserNetwork } from '../../src/network/user-network.js';

const target = { netnsPath: '/proc/self/fd/3', usernsPath: '/proc/self/fd/4', asRoot: false };

describe('published ports', () => {
  it('reads podman\'s forms and writes them back', () => {
    const cases: Array<[string, string]> = [
      ['8080:80', '8080:80/tcp'],
      ['5353:53/udp', '5353:53/udp'],
      ['127.0.0.1:2222:22', '127.0.0.1:2222:22/tcp'],
      ['[::1]:8443:443/tcp', '[::1]:8443:443/tcp'],
    ];
    for (const [given, stored] of cases) {
      const port = parsePortForward(given);
      assert.equal(formatPortForward(port), stored);
      assert.deepEqual(parsePortForward(formatPortForward(port)), port);
    }
    assert.deepEqual(parsePortForward('10.0.0.1:1:65535/udp'), { hostAddress: '10.0.0.1', hostPort: 1, containerPort: 65535, protocol: 'udp' });
  });

  it('refuses what is not a port forward, saying which part', () => {
    const cases: Array<[string, RegExp]> = [
      ['80', /a host port and a container port are needed/],
      ['0:80', /'0' is not a port number/],
      ['8080:80/sctp', /unknown protocol 'sctp'/],
      ['::1:8080:80', /a host port and a container port are needed/],
      ['[10.0.0.1]:8080:80', /'10\.0\.0\.1' is not an IPv6 address/],
      ['host:8080:80', /'host' is not an IPv4 address/],
      ['8080:8o', /'8o' is not a port number/],
    ];
    for (const [text, pattern] of cases) {
      assert.throws(() => parsePortForward(text), (error: unknown) => error instanceof ContainerError && error.exitCode === 125 && pattern.test(error.message), text);
    }
  });

  it('finds a host port published twice on overlapping addresses', () => {
    const ports = (...texts: string[]) => texts.map(parsePortForward);
    assert.equal(duplicatePort(ports('8080:80', '8080:81')), 'host port 8080/tcp is published twice');
    assert.equal(duplicatePort(ports('127.0.0.1:8080:80', '8080:81')), 'host port 8080/tcp is published twice');
    assert.equal(duplicatePort(ports('8080:80', '8080:80/udp', '127.0.0.1:9090:90', '127.0.0.2:9090:90')), undefined);
  });
});

describe('helper options', () => {
  it('refuses the pasta options the runtime sets, in long, long= and short forms', () => {
    for (const option of ['--netns', '--userns=/x', '--netns-only', '--pid', '-P', '-Pfile', '-f', '--foreground', '--runas', '--no-netns-quit']) {
      assert.match(helperOptionsProblem({ helper: 'pasta', options: [option] }) ?? '', /is set by ts-nspawn itself/, option);
    }
    assert.equal(helperOptionsProblem({ helper: 'pasta', options: ['-T', 'auto', '--map-gw', '-t', '22', '--mtu', '1500'] }), undefined);
    assert.match(helperOptionsProblem({ helper: 'pasta', options: [''] }) ?? '', /non-empty/);
  });

  it('reads podman\'s slirp4netns options and refuses others', () => {
    assert.deepEqual(slirpOptions([]), { allowHostLoopback: false, cidr: { network: '10.0.2.0', prefix: 24 }, enableIPv6: false, mtu: 65520 });
    assert.deepEqual(
      slirpOptions(['allow_host_loopback=true', 'cidr=172.16.0.0/16', 'enable_ipv6=true', 'mtu=1500', 'outbound_addr=eth0', 'outbound_addr6=2001:db8::1']),
      { allowHostLoopback: true, cidr: { network: '172.16.0.0', prefix: 16 }, enableIPv6: true, mtu: 1500, outboundAddr: 'eth0', outboundAddr6: '2001:db8::1' },
    );
    const bad: Array<[string, RegExp]> = [
      ['port_handler=slirp4netns', /unknown option \(known: allow_host_loopback, cidr/],
      ['enable_ipv6=yes', /expected true or false/],
      ['mtu=70000', /an MTU from 68 to 65521/],
      ['cidr=10.0.2.0/26', /of \/1 to \/25/],
      ['cidr=10.0.2.1/24', /host bits set/],
      ['outbound_addr=fd00::1', /an IPv4 address or an interface name/],
    ];
    for (const [option, pattern] of bad) assert.match(helperOptionsProblem({ helper: 'slirp4netns', options: [option] }) ?? '', pattern, option);
  });

  it('names the forwarder of each helper for resolv.conf', () => {
    const network = (helper: UserNetwork['helper'], options: string[] = []): UserNetwork => ({ helper, options, ports: [] });
    assert.deepEqual(dnsServers(network('pasta')), ['169.254.1.1']);
    assert.deepEqual(dnsServers(network('pasta', ['--dns-forward', '10.9.9.9', '--dns-forward=fd00::53'])), ['10.9.9.9', 'fd00::53']);
    assert.deepEqual(dnsServers(network('slirp4netns')), ['10.0.2.3']);
    assert.deepEqual(dnsServers(network('slirp4netns', ['cidr=10.5.0.0/24', 'enable_ipv6=true'])), ['10.5.0.3', 'fd00::3']);
    assert.equal(slirpAddress(slirpOptions(['cidr=10.0.0.0/8']), 100), '10.0.0.100');
  });
});

describe('pasta\'s command line', () => {
  it('forwards nothing, keeps the host\'s loopback out of reach, and forwards DNS, by default', () => {
    assert.deepEqual(pastaArguments({ helper: 'pasta', options: [], ports: [] }, target, '/run/x/network.pid'), [
      '--config-net', '--quiet', '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '--no-map-gw', '--dns-forward', '169.254.1.1',
      '--pid', '/run/x/network.pid', '--userns', '/proc/self/fd/4', '--netns', '/proc/self/fd/3',
    ]);
  });

  it('publishes ports, takes the user\'s options after its own (dropping those it replaces), and as root stays root', () => {
    const network: UserNetwork = {
      helper: 'pasta',
      options: ['-T', 'auto', '--map-gw', '--dns-forward', '10.9.9.9'],
      ports: [parsePortForward('8080:80'), parsePortForward('127.0.0.1:5353:53/udp')],
    };
    assert.deepEqual(pastaArguments(network, { netnsPath: '/proc/self/fd/3', asRoot: true }, '/p'), [
      '--config-net', '--quiet', '-t', '8080:80', '-u', '127.0.0.1/5353:53', '-U', 'none',
      '-T', 'auto', '--dns-forward', '10.9.9.9', '--runas', '0', '--pid', '/p', '--netns', '/proc/self/fd/3',
    ]);
  });
});

describe('slirp4netns\'s command line and API', () => {
  it('is podman\'s: configured tap0, MTU 65520, no host loopback; sandboxed as root', () => {
    assert.deepEqual(slirpArguments(slirpOptions([]), target, 5), [
      '--configure', '--mtu=65520', '--disable-host-loopback', '--ready-fd=5', '--userns-path=/proc/self/fd/4', '--netns-type=path', '/proc/self/fd/3', 'tap0',
    ]);
    assert.deepEqual(slirpArguments(slirpOptions(['allow_host_loopback=true', 'cidr=10.5.0.0/24', 'enable_ipv6=true', 'mtu=1500']), { netnsPath: '/proc/self/fd/3', asRoot: true }, 4, '/s/network.sock'), [
      '--configure', '--mtu=1500', '--cidr=10.5.0.0/24', '--enable-ipv6', '--enable-sandbox', '--enable-seccomp', '--ready-fd=4', '--api-socket=/s/network.sock',
      '--netns-type=path', '/proc/self/fd/3', 'tap0',
    ]);
  });

  it('publishes a port with add_hostfwd to the container\'s .100', () => {
    assert.deepEqual(JSON.parse(hostForwardRequest(slirpOptions(['cidr=10.5.0.0/24']), parsePortForward('8080:80'))), {
      execute: 'add_hostfwd',
      arguments: { proto: 'tcp', host_addr: '0.0.0.0', host_port: 8080, guest_addr: '10.5.0.100', guest_port: 80 },
    });
    assert.equal(JSON.parse(hostForwardRequest(slirpOptions([]), parsePortForward('127.0.0.1:53:53/udp'))).arguments.host_addr, '127.0.0.1');
  });
});

describe('the container\'s resolv.conf', () => {
  it('names the forwarders and keeps the host\'s search domains and options, not its nameservers', () => {
    const host = '# managed\nnameserver 127.0.0.53\nsearch example.org corp.example\noptions edns0 trust-ad\ndomain example.org\n';
    assert.equal(
      resolvConfText(['169.254.1.1'], host, 'pasta'),
      '# ts-nspawn: the DNS forwarder of pasta\nnameserver 169.254.1.1\nsearch example.org corp.example\noptions edns0 trust-ad\ndomain example.org\n',
    );
    assert.equal(resolvConfText(['10.0.2.3', 'fd00::3'], '', 'slirp4netns'), '# ts-nspawn: the DNS forwarder of slirp4netns\nnameserver 10.0.2.3\nnameserver fd00::3\n');
  });
});
