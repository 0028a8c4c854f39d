import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerSideBatch, vethPairBatch } from '../../src/network/bridge.js';
import { ContainerError } from '../../src/errors.js';

describe('bridge batches', () => {
  it('create the pair with the host end on the bridge and eth0 in init\'s namespace', () => {
    assert.equal(
      vethPairBatch('vb-web', 'br0', 4242),
      'link add name vb-web type veth peer name eth0 netns 4242\nlink set vb-web master br0\nlink set vb-web up\n',
    );
  });

  it('configure eth0 with every address (IPv6 without DAD) and one default route per gateway', () => {
    assert.equal(
      containerSideBatch({ bridge: 'br0', addresses: ['10.0.0.2/24', 'fd00::2/64'], gateways: ['10.0.0.1', 'fd00::1'] }),
      'link set eth0 up\naddress add 10.0.0.2/24 dev eth0\naddress add fd00::2/64 dev eth0 nodad\n' +
        'route add default via 10.0.0.1 dev eth0\nroute add default via fd00::1 dev eth0\n',
    );
  });

  it('refuse a value that would add words or commands to the batch', () => {
    for (const bridge of ['br0\nlink delete eth0', 'br 0', '']) {
      assert.throws(() => vethPairBatch('vb-web', bridge, 1), ContainerError);
    }
    assert.throws(() => containerSideBatch({ bridge: 'br0', addresses: ['10.0.0.2/24\nlink set lo down'], gateways: [] }), /invalid address/);
    assert.throws(() => containerSideBatch({ bridge: 'br0', addresses: [], gateways: ['10.0.0.1 dev lo'] }), /invalid gateway/);
  });
});
