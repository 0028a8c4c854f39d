/**
 * The sh-nspawn command form, kept for its users:
 *   ts-nspawn -p DIR -b BRIDGE -a ADDR/PREFIX -r GATEWAY
 * is `ts-nspawn boot -D DIR --network-bridge BRIDGE --address ADDR/PREFIX --gateway GATEWAY`.
 */
import { ContainerError } from '../errors.js';
import { option, requireFlag, type CommandDef, type Flags } from './command-line.js';

export const shNspawnForm: CommandDef = {
  // No verb: the form is recognised by its options (main.ts).
  name: '',
  cgroup: 'create',
  summary: 'the sh-nspawn form: boot with a bridged veth',
  usage: 'DIR -b BRIDGE -a ADDR/PREFIX -r GATEWAY',
  description: 'Boot the OS tree at DIR with a veth on BRIDGE, as sh-nspawn did.',
  options: [
    option('path', 'the OS tree to boot', { short: 'p', value: 'DIR' }),
    option('bridge', 'bridge for the veth pair', { short: 'b', value: 'BRIDGE' }),
    option('address', 'address of the container', { short: 'a', value: 'ADDR/PREFIX' }),
    option('route', 'default route via this gateway', { short: 'r', value: 'GATEWAY' }),
  ],
  async run(flags) {
    const path = requireFlag(flags, shNspawnForm, 'path');
    const text = (value: Flags[string]) => (typeof value === 'string' ? value : undefined);
    const bridge = text(flags.bridge);
    const address = text(flags.address);
    const route = text(flags.route);
    if ((address || route) && !bridge) throw new ContainerError('-a and -r need -b BRIDGE: the address is given to a veth on that bridge');
    if (bridge && !address) throw new ContainerError('-b needs -a ADDR/PREFIX for the container');
    const [{ buildSpec }, { runInForeground }] = await Promise.all([import('../oci/build-spec.js'), import('./foreground.js')]);
    const spec = buildSpec({
      directory: path,
      boot: true,
      console: true,
      term: process.env.TERM,
      network: bridge ? { bridge, addresses: [address ?? ''], gateways: route ? [route] : [] } : undefined,
    });
    return runInForeground(spec);
  },
};
