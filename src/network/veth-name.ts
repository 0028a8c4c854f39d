/**
 * The host-side name of a container's veth: "vb-" and the machine name, as
 * systemd-nspawn does, within the kernel's 15-character limit. A name that
 * does not fit, or one tried again after a clash, ends in a short hash.
 */
export const IFNAMSIZ_MAX = 15;
export const VETH_PREFIX = 'vb-';
const PREFIX = VETH_PREFIX;

export function vethName(machine: string, attempt = 0): string {
  const plain = PREFIX + machine;
  if (attempt === 0 && plain.length <= IFNAMSIZ_MAX) return plain;
  const hash = fnv1a(`${machine}\0${attempt}`).toString(16).padStart(8, '0').slice(0, 4);
  return `${PREFIX}${machine.slice(0, IFNAMSIZ_MAX - PREFIX.length - hash.length - 1)}-${hash}`;
}

/** 32-bit FNV-1a: a short, stable hash without loading node:crypto at start-up. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}
