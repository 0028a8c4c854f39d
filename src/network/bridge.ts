/**
 * Bridged networking, done from the host side with iproute2 while init
 * waits at the `wait-go` sync point: a veth pair whose host end joins the
 * bridge and whose other end becomes the container's eth0, configured in
 * the container's network namespace before the command starts.
 */
import { ContainerError } from '../errors.js';
import { runTool, ToolError } from '../host/tools.js';
import { familyOf } from './address.js';
import { VETH_PREFIX, vethName } from './veth-name.js';

export interface BridgeAttachment {
  bridge: string;
  addresses: string[];
  gateways: string[];
}

const CONTAINER_IFNAME = 'eth0';
const NAME_ATTEMPTS = 4;

/** Fails with the command to create the bridge when it is missing. */
export async function checkBridge(bridge: string): Promise<void> {
  let links: Array<{ linkinfo?: { info_kind?: string } }>;
  try {
    links = JSON.parse((await runTool('ip', ['-j', '-d', 'link', 'show', 'dev', bridge])).stdout);
  } catch (error) {
    if (error instanceof ToolError) {
      throw new ContainerError(`bridge '${bridge}' does not exist: create it with 'ip link add name ${bridge} type bridge && ip link set ${bridge} up'`);
    }
    throw error;
  }
  if (links[0]?.linkinfo?.info_kind !== 'bridge') {
    throw new ContainerError(`'${bridge}' is not a bridge: give --network-bridge a bridge device (ip link add name BR type bridge)`);
  }
}

/**
 * Creates and configures the veth pair; returns the host-side interface
 * name. `plannedName` learns each name before it is created (and is told
 * `undefined` when a name turned out to be another container's), so that a
 * crash at any point leaves a record of exactly what to delete.
 */
export async function attachToBridge(
  initPid: number,
  machine: string,
  network: BridgeAttachment,
  plannedName: (hostIf: string | undefined) => void = () => {},
): Promise<string> {
  const hostIf = await createVethPair(initPid, machine, network.bridge, plannedName);
  try {
    await configureContainerSide(initPid, network);
  } catch (error) {
    await removeVeth(hostIf);
    throw error;
  }
  return hostIf;
}

/**
 * `ip -b` batch text is one command per line, words split at blanks: a
 * value with a blank or a newline would add words or whole commands. The
 * spec was validated, but this is where the text is made, so every value
 * is checked here once more (a stored spec may have been tampered with).
 */
const SAFE_WORD = /^[A-Za-z0-9_.:\/@%+-]+$/;

function word(value: string | number, what: string): string {
  const text = String(value);
  if (!SAFE_WORD.test(text)) throw new ContainerError(`invalid ${what} ${JSON.stringify(text)} for ip: only letters, digits and . : / @ % + - _ are allowed`);
  return text;
}

/** The batch that creates the pair: host end on the bridge, container end in init's network namespace. */
export function vethPairBatch(hostIf: string, bridge: string, initPid: number): string {
  const host = word(hostIf, 'interface name');
  const master = word(bridge, 'bridge name');
  return [
    `link add name ${host} type veth peer name ${CONTAINER_IFNAME} netns ${word(initPid, 'PID')}`,
    `link set ${host} master ${master}`,
    `link set ${host} up`,
  ].join('\n') + '\n';
}

/** The batch run in the container's network namespace: eth0 up, its addresses and default routes. */
export function containerSideBatch(network: BridgeAttachment): string {
  const commands = [`link set ${CONTAINER_IFNAME} up`];
  for (const address of network.addresses) {
    // No duplicate address detection for static IPv6: the address is usable at once.
    const nodad = familyOf(address.split('/')[0] ?? '') === 6 ? ' nodad' : '';
    commands.push(`address add ${word(address, 'address')} dev ${CONTAINER_IFNAME}${nodad}`);
  }
  for (const gateway of network.gateways) {
    commands.push(`route add default via ${word(gateway, 'gateway')} dev ${CONTAINER_IFNAME}`);
  }
  return commands.join('\n') + '\n';
}

async function createVethPair(
  initPid: number,
  machine: string,
  bridge: string,
  plannedName: (hostIf: string | undefined) => void,
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const hostIf = vethName(machine, attempt);
    const batch = vethPairBatch(hostIf, bridge, initPid);
    plannedName(hostIf);
    try {
      await runTool('ip', ['-b', '-'], batch);
      return hostIf;
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      // `ip -b` names the failing line: line 1 means nothing was created.
      const created = failedBatchLine(error.output) !== 1;
      if (created) await removeVeth(hostIf);
      else plannedName(undefined);
      if (!created && /exists/i.test(error.output) && attempt + 1 < NAME_ATTEMPTS) continue;
      throw new ContainerError(`setting up the veth pair on bridge '${bridge}' failed: ${oneLine(error.output)}`);
    }
  }
}

async function configureContainerSide(initPid: number, network: BridgeAttachment): Promise<void> {
  const batch = containerSideBatch(network);
  try {
    await runTool('nsenter', [`--net=/proc/${initPid}/ns/net`, 'ip', '-b', '-'], batch);
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    throw new ContainerError(`configuring the container's ${CONTAINER_IFNAME} failed: ${oneLine(error.output)}`);
  }
}

/** Deletes the host end (and so the pair); a veth already gone with its namespace is fine. */
export async function removeVeth(hostIf: string): Promise<void> {
  // Only a name of the runtime's own making (vb-...): never another interface of the host.
  if (!hostIf.startsWith(VETH_PREFIX) || !SAFE_WORD.test(hostIf)) return;
  try {
    await runTool('ip', ['link', 'delete', 'dev', hostIf]);
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
  }
}

function failedBatchLine(output: string): number | undefined {
  const line = /Command failed -:(\d+)/.exec(output)?.[1];
  return line === undefined ? undefined : Number(line);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ');
}
