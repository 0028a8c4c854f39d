/**
 * Section 1b's library runner, bundled by policy.ts and run by Bun once per
 * sample: /bin/true in ROOT through the library, with the default security
 * policy (`on`) or without the seccomp filter and the device policy (`off`),
 * everything else alike. Exits with the container's status.
 */
import { buildSpec, startContainer } from '../src/index.js';

async function main(mode: string | undefined, root: string | undefined): Promise<number> {
  if ((mode !== 'on' && mode !== 'off') || !root) {
    process.stderr.write('usage: policy-child on|off ROOT\n');
    return 2;
  }
  const spec = buildSpec({ directory: root, command: ['/bin/true'] });
  if (mode === 'off' && spec.linux) {
    delete spec.linux.seccomp;
    if (spec.linux.resources) delete spec.linux.resources.devices;
  }
  const container = await startContainer(spec, { stdio: 'ignore' });
  return (await container.exited).status;
}

// CommonJS when bundled (for Bun's bytecode): no top-level await.
void main(process.argv[2], process.argv[3]).then((status) => process.exit(status));
