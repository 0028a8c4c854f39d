/**
 * ts-nspawn's own settings that the OCI spec has no field for travel as
 * annotations, so the spec stays the one model of a container.
 */
export const ANNOTATION = {
  machine: 'org.ts-nspawn.machine',
  boot: 'org.ts-nspawn.boot',
  bridge: 'org.ts-nspawn.network.bridge',
  /** Comma-separated ADDR/PREFIX list for the container's eth0. */
  addresses: 'org.ts-nspawn.network.addresses',
  /** Comma-separated default gateways (at most one per address family). */
  gateways: 'org.ts-nspawn.network.gateways',
  /** The cgroup containers go below, relative to the hierarchy roots (`--cgroup-parent`). */
  cgroupParent: 'org.ts-nspawn.cgroup-parent',
} as const;

export function splitList(value: string | undefined): string[] {
  return value ? value.split(',').filter((item) => item !== '') : [];
}
