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
    ];
    for (const settings of cases) {
      const problems: Problem[] = [];
      assert.deepEqual(parseSettings(settingsAnnotations(settings), problems), settings);
      assert.deepEqual(problems, []);
    }
  });

  it('stores nothing for the defaults', () => {
    assert.deepEqual(settingsAnnotations({ boot: false }), {});
  });

  it('settingsOf reads a spec leniently, leaving out what is bad', () => {
    assert.deepEqual(settingsOf({ annotations: { 'org.ts-nspawn.boot': 'true', 'org.ts-nspawn.machine': 'a b' } }), { boot: true });
    assert.deepEqual(settingsOf({}), { boot: false });
  });
});
