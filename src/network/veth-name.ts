/**
 * The host-side name of a container's veth: "vb-" and the machine name, as
 * systemd-nspawn does, within the kernel's 15-character limit. A name that
 * does not fit, or one tried again after a clash, ends in a short hash.
 */
import { createHash } from 'node:crypto';

export const IFNAMSIZ_MAX = 15;
const PREFIX = 'vb-';

export function vethName(machine: string, attempt = 0): string {
  const plain = PREFIX + machine;
  if (attempt === 0 && plain.length <= IFNAMSIZ_MAX) return plain;
  const hash = createHash('sha256').update(`${machine}\0${attempt}`).digest('hex').slice(0, 4);
  return `${PREFIX}${machine.slice(0, IFNAMSIZ_MAX - PREFIX.length - hash.length - 1)}-${hash}`;
}
