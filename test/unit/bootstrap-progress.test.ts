import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BootstrapPhase } from '../../src/bootstrap/options.js';
import { classifyLine, ProgressTracker } from '../../src/bootstrap/progress.js';

/** What mmdebstrap --verbose prints, shortened (host names are made up). */
const MMDEBSTRAP_LOG = `I: chroot architecture amd64 is equal to the host's architecture
I: finding correct signed-by value...
I: automatically chosen format: directory
I: running apt-get update...
Get:1 http://mirror.example/debian bookworm InRelease [151 kB]
Get:2 http://mirror.example/debian bookworm/main amd64 Packages [8790 kB]
Fetched 8941 kB in 1s (13.1 MB/s)
Reading package lists...
I: downloading packages with apt...
Get:1 http://mirror.example/debian bookworm/main amd64 libc6 amd64 2.36-9+deb12u14 [2757 kB]
Fetched 29.7 MB in 0s (271 MB/s)
I: extracting archives...
I: installing essential packages...
Unpacking libc6:amd64 (2.36-9+deb12u14) ...
Setting up libc6:amd64 (2.36-9+deb12u14) ...
I: installing remaining packages inside the chroot...
Setting up systemd (252.39-1~deb12u1) ...
I: cleaning package lists and apt cache...
I: success in 13.8637 seconds
`;

function track(tool: 'mmdebstrap' | 'debootstrap', text: string, chunk = 7) {
  const events: Array<[BootstrapPhase, string | undefined]> = [];
  const tracker = new ProgressTracker(tool, (phase, detail) => events.push([phase, detail]));
  for (let i = 0; i < text.length; i += chunk) tracker.write(text.slice(i, i + chunk));
  tracker.end();
  return { tracker, events, phases: [...new Set(events.map(([phase]) => phase))] };
}

describe('mmdebstrap output -> phases', () => {
  it('goes through the phases in order, with details', () => {
    const { events, phases, tracker } = track('mmdebstrap', MMDEBSTRAP_LOG);
    assert.deepEqual(phases, ['resolving', 'downloading', 'extracting', 'installing', 'configuring']);
    const details = events.map(([, detail]) => detail);
    assert.ok(details.includes('fetching bookworm InRelease'), String(details));
    assert.ok(details.includes('fetching bookworm/main amd64 Packages'));
    assert.ok(details.includes('fetching libc6 2.36-9+deb12u14'));
    assert.ok(details.includes('unpacking libc6'));
    assert.ok(details.includes('setting up systemd'));
    assert.equal(tracker.phase, 'configuring');
    assert.equal(tracker.errorLine(), 'I: success in 13.8637 seconds');
  });

  it('maps single lines', () => {
    assert.deepEqual(classifyLine('mmdebstrap', 'I: downloading packages with apt...'), { phase: 'downloading', detail: 'downloading packages' });
    assert.deepEqual(classifyLine('mmdebstrap', '\x1b[32mI: extracting archives...\x1b[0m\r'), { phase: 'extracting', detail: 'extracting the essential packages' });
    assert.equal(classifyLine('mmdebstrap', 'I: installing remaining packages inside the chroot...').phase, 'installing');
    assert.deepEqual(classifyLine('mmdebstrap', 'E: Unable to locate package nosuch'), { error: 'Unable to locate package nosuch' });
    assert.deepEqual(classifyLine('mmdebstrap', 'Reading package lists...'), {});
  });

  it('never goes back to an earlier phase', () => {
    const { phases, tracker } = track('mmdebstrap', 'I: installing essential packages...\nI: running apt-get update...\n');
    assert.deepEqual(phases, ['installing']);
    assert.equal(tracker.phase, 'installing');
  });

  it('picks the line that says why it failed', () => {
    const log = `I: running apt-get update...
Err:2 http://mirror.example/debian no-such-suite Release
  404  Not Found [IP: 192.0.2.1 80]
E: The repository 'http://mirror.example/debian no-such-suite Release' does not have a Release file.
E: apt-get update --error-on=any -oAPT::Status-Fd=<$fd> -oDpkg::Use-Pty=false failed
I: main() received signal PIPE: waiting for setup...
E: mmdebstrap failed to run
`;
    const { tracker } = track('mmdebstrap', log);
    assert.equal(tracker.phase, 'resolving');
    assert.equal(tracker.errorLine(), "The repository 'http://mirror.example/debian no-such-suite Release' does not have a Release file.");

    const missing = track('mmdebstrap', 'I: installing remaining packages inside the chroot...\nE: Unable to locate package nosuch\nE: setup failed: E: apt-get ... install failed\nE: mmdebstrap failed to run\n');
    assert.equal(missing.tracker.phase, 'installing');
    assert.equal(missing.tracker.errorLine(), 'Unable to locate package nosuch');

    const dpkg = track('mmdebstrap', 'dpkg: error processing package foo (--configure):\nE: Sub-process /usr/bin/dpkg returned an error code (1)\n');
    assert.equal(dpkg.tracker.errorLine(), 'dpkg: error processing package foo (--configure):');

    assert.equal(track('mmdebstrap', 'E: mmdebstrap failed to run\n').tracker.errorLine(), 'mmdebstrap failed to run');
    assert.equal(track('mmdebstrap', 'something odd\n\n').tracker.errorLine(), 'something odd');
    assert.equal(track('mmdebstrap', '').tracker.errorLine(), undefined);
  });
});

describe('debootstrap output -> phases', () => {
  it('goes through the phases in order', () => {
    const log = `I: Retrieving InRelease
I: Checking Release signature
I: Valid Release signature (key id 4D64FEC119C2029067D6E791F8D2585B8783D481)
I: Retrieving Packages
I: Validating Packages
I: Resolving dependencies of required packages...
I: Resolving dependencies of base packages...
I: Checking component main on http://mirror.example/debian...
I: Retrieving libacl1 2.3.1-3
I: Validating libacl1 2.3.1-3
I: Chosen extractor for .deb packages: dpkg-deb
I: Extracting libacl1...
I: Installing core packages...
I: Unpacking required packages...
I: Configuring required packages...
I: Base system installed successfully.
`;
    const { phases, events } = track('debootstrap', log);
    assert.deepEqual(phases, ['resolving', 'downloading', 'extracting', 'installing']);
    assert.ok(events.some(([, detail]) => detail === 'fetching libacl1 2.3.1-3'));
  });

  it('reports its errors', () => {
    const { tracker } = track('debootstrap', 'I: Retrieving InRelease\nE: Failed getting release file http://mirror.example/debian/dists/nope/Release\n');
    assert.equal(tracker.phase, 'resolving');
    assert.equal(tracker.errorLine(), 'Failed getting release file http://mirror.example/debian/dists/nope/Release');
  });
});
