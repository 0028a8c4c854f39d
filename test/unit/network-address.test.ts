import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { familyOf, inSubnet, parseGateway, parseInterfaceAddress, type InterfaceAddress } from '../../src/network/address.js';
import { assertContainerError } from './helpers/index.js';

const net = (address: string, prefix: number): InterfaceAddress => ({
  address,
  prefix,
  family: familyOf(address) ?? assert.fail(`not an address: ${address}`),
});

describe('parseInterfaceAddress', () => {
  it('parses IPv4 ADDR/PREFIX', () => {
    assert.deepEqual(parseInterfaceAddress('10.0.0.2/24'), { address: '10.0.0.2', prefix: 24, family: 4 });
  });

  it('parses IPv6 ADDR/PREFIX, keeping the address text as given', () => {
    assert.deepEqual(parseInterfaceAddress('fd00::2/64'), { address: 'fd00::2', prefix: 64, family: 6 });
    assert.deepEqual(parseInterfaceAddress('::ffff:10.0.0.1/96'), { address: '::ffff:10.0.0.1', prefix: 96, family: 6 });
  });

  it('accepts the boundary prefixes /0, /32 (IPv4) and /0, /128 (IPv6)', () => {
    assert.equal(parseInterfaceAddress('10.0.0.2/0').prefix, 0);
    assert.equal(parseInterfaceAddress('10.0.0.2/32').prefix, 32);
    assert.equal(parseInterfaceAddress('fd00::2/0').prefix, 0);
    assert.equal(parseInterfaceAddress('fd00::2/128').prefix, 128);
  });

  it('rejects a prefix beyond the family maximum', () => {
    assertContainerError(() => parseInterfaceAddress('10.0.0.2/33'), "'10.0.0.2/33'", 'from 0 to 32');
    assertContainerError(() => parseInterfaceAddress('fd00::2/129'), "'fd00::2/129'", 'from 0 to 128');
  });

  it('rejects a prefix that is not a plain decimal number', () => {
    for (const text of ['10.0.0.2/', '10.0.0.2/x', '10.0.0.2/-1', '10.0.0.2/2.5', '10.0.0.2/ 24', '10.0.0.2/0024']) {
      assertContainerError(() => parseInterfaceAddress(text), `'${text}'`, 'invalid prefix length');
    }
  });

  it('rejects an address without a prefix and suggests the usual one per family', () => {
    assertContainerError(() => parseInterfaceAddress('10.0.0.2'), "'10.0.0.2'", 'no prefix length', '10.0.0.2/24');
    assertContainerError(() => parseInterfaceAddress('fd00::2'), "'fd00::2'", 'no prefix length', 'fd00::2/64');
  });

  it('rejects malformed addresses, quoting them', () => {
    for (const text of ['10.0.0.300/24', '10.0.0/24', 'fd00:::2/64', 'host/24', '', '/24', '10.0.0.2/24/8']) {
      assertContainerError(() => parseInterfaceAddress(text), `invalid address '${text}'`);
    }
  });
});

describe('parseGateway', () => {
  it('parses IPv4 and IPv6 gateways', () => {
    assert.deepEqual(parseGateway('10.0.0.1'), { address: '10.0.0.1', family: 4 });
    assert.deepEqual(parseGateway('fd00::1'), { address: 'fd00::1', family: 6 });
  });

  it('rejects a gateway with a prefix or a malformed one', () => {
    assertContainerError(() => parseGateway('10.0.0.1/24'), "invalid gateway '10.0.0.1/24'");
    assertContainerError(() => parseGateway('10.0.0.256'), "invalid gateway '10.0.0.256'");
    assertContainerError(() => parseGateway('gateway'), "invalid gateway 'gateway'");
  });
});

describe('familyOf', () => {
  it('tells IPv4 from IPv6 and rejects anything else', () => {
    assert.equal(familyOf('192.168.1.1'), 4);
    assert.equal(familyOf('::1'), 6);
    assert.equal(familyOf('::ffff:1.2.3.4'), 6);
    assert.equal(familyOf('1.2.3'), undefined);
    assert.equal(familyOf('10.0.0.1/8'), undefined);
  });
});

describe('inSubnet (IPv4)', () => {
  it('checks the network bits only', () => {
    assert.equal(inSubnet('10.0.0.1', net('10.0.0.2', 24)), true);
    assert.equal(inSubnet('10.0.0.255', net('10.0.0.2', 24)), true);
    assert.equal(inSubnet('10.0.1.1', net('10.0.0.2', 24)), false);
    assert.equal(inSubnet('10.0.0.129', net('10.0.0.2', 25)), false);
    assert.equal(inSubnet('10.0.0.127', net('10.0.0.2', 25)), true);
  });

  it('handles the top bit (no sign problems)', () => {
    assert.equal(inSubnet('255.255.255.254', net('255.255.255.1', 24)), true);
    assert.equal(inSubnet('128.0.0.1', net('127.255.255.255', 1)), false);
    assert.equal(inSubnet('200.0.0.1', net('128.0.0.0', 1)), true);
  });

  it('/0 contains every IPv4 address, /32 only the address itself', () => {
    assert.equal(inSubnet('255.255.255.255', net('10.0.0.2', 0)), true);
    assert.equal(inSubnet('0.0.0.0', net('10.0.0.2', 0)), true);
    assert.equal(inSubnet('10.0.0.2', net('10.0.0.2', 32)), true);
    assert.equal(inSubnet('10.0.0.3', net('10.0.0.2', 32)), false);
  });

  it('never matches across families', () => {
    assert.equal(inSubnet('fd00::1', net('10.0.0.2', 0)), false);
    assert.equal(inSubnet('::ffff:10.0.0.1', net('10.0.0.2', 8)), false);
    assert.equal(inSubnet('10.0.0.1', net('::', 0)), false);
    assert.equal(inSubnet('not-an-address', net('10.0.0.2', 0)), false);
  });
});

describe('inSubnet (IPv6)', () => {
  it('expands :: anywhere in the address', () => {
    assert.equal(inSubnet('fd00::1', net('fd00::2', 64)), true);
    assert.equal(inSubnet('fd00:0:0:0:ffff:ffff:ffff:ffff', net('fd00::2', 64)), true);
    assert.equal(inSubnet('fd00:0:0:1::1', net('fd00::2', 64)), false);
    assert.equal(inSubnet('fd00::', net('fd00::2', 64)), true);
    assert.equal(inSubnet('::1', net('0:0:0:0:0:0:0:1', 128)), true);
    assert.equal(inSubnet('::2', net('::1', 128)), false);
    assert.equal(inSubnet('2001:db8:1::', net('2001:db8::', 32)), true);
    assert.equal(inSubnet('2001:db9::', net('2001:db8::', 32)), false);
  });

  it('compares prefixes that do not end on a group boundary', () => {
    // /60: the first 15 hex digits must agree.
    assert.equal(inSubnet('fd00:0:0:f::1', net('fd00::1', 60)), true);
    assert.equal(inSubnet('fd00:0:0:10::1', net('fd00::1', 60)), false);
  });

  it('reads a dotted IPv4 tail as the last two groups', () => {
    // ::ffff:10.0.0.1 is ::ffff:a00:1
    assert.equal(inSubnet('::ffff:10.0.0.1', net('::ffff:a00:0', 120)), true);
    assert.equal(inSubnet('::ffff:10.0.0.1', net('::ffff:a00:1', 128)), true);
    assert.equal(inSubnet('::ffff:10.0.1.1', net('::ffff:10.0.0.1', 120)), false);
    assert.equal(inSubnet('::ffff:10.0.0.200', net('::ffff:10.0.0.1', 120)), true);
    assert.equal(inSubnet('::ffff:11.0.0.1', net('::ffff:10.0.0.1', 104)), false);
    assert.equal(inSubnet('::ffff:10.255.0.1', net('::ffff:10.0.0.1', 104)), true);
  });

  it('/0 contains every IPv6 address, /128 only the address itself', () => {
    assert.equal(inSubnet('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', net('::', 0)), true);
    assert.equal(inSubnet('fd00::2', net('fd00::2', 128)), true);
    assert.equal(inSubnet('fd00::3', net('fd00::2', 128)), false);
    assert.equal(inSubnet('fd00::2', net('fd00:0::0:2', 128)), true);
  });
});
