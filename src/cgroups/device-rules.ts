/**
 * The device policy as OCI `linux.resources.devices` rules, and its two
 * host forms: lines for the v1 devices controller, and tokens for the
 * executor's `device-filter` step, which compiles them into an eBPF
 * program on cgroup v2. Rules apply in order and the last match wins.
 */
import type { Device, LinuxDeviceCgroup } from '../oci/types.js';

/** Unix98 PTY slaves (/dev/pts/N) use majors 136-143. */
const PTS_MAJORS = [136, 137, 138, 139, 140, 141, 142, 143];

/**
 * Deny everything, then allow exactly the nodes the container is given:
 * DEVICES (the defaults and any --device), /dev/console (5:1), /dev/ptmx
 * (5:2) and the PTY slaves. mknod stays allowed for any node, as in runc:
 * a node one makes can then not be opened. ACCESS narrows a node's rule
 * (`--device HOST:rw`); default `rwm`.
 */
export function devicePolicy(devices: Device[], access: (device: Device) => string = () => 'rwm'): LinuxDeviceCgroup[] {
  const rules: LinuxDeviceCgroup[] = [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', access: 'm' },
    { allow: true, type: 'b', access: 'm' },
    { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
    { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
    ...PTS_MAJORS.map((major): LinuxDeviceCgroup => ({ allow: true, type: 'c', major, access: 'rwm' })),
  ];
  for (const device of devices) {
    if (device.type !== 'c' && device.type !== 'b') continue;
    rules.push({ allow: true, type: device.type, major: device.major ?? 0, minor: device.minor ?? 0, access: access(device) });
  }
  return rules;
}

/** `TYPE MAJOR:MINOR ACCESS`, the syntax of devices.allow/deny (`*` for any). */
function ruleText(rule: LinuxDeviceCgroup): string {
  const type = rule.type ?? 'a';
  const number = (value: number | null | undefined) => (value === undefined || value === null || value < 0 ? '*' : String(value));
  const access = rule.access || 'rwm';
  if (!/^[rwm]{1,3}$/.test(access)) throw new Error(`invalid device access '${access}': use r, w and m`);
  if (type === 'a') return `a *:* ${access}`;
  return `${type} ${number(rule.major)}:${number(rule.minor)} ${access}`;
}

/** The writes that put RULES in place on a v1 devices cgroup, in order. */
export function v1DeviceWrites(rules: LinuxDeviceCgroup[]): Array<{ file: 'devices.allow' | 'devices.deny'; line: string }> {
  return rules.map((rule) => ({ file: rule.allow ? 'devices.allow' : 'devices.deny', line: ruleText(rule) }));
}

/** One token per rule for the executor: `allow c 1:3 rwm`, `deny a *:* rwm`. */
export function deviceFilterTokens(rules: LinuxDeviceCgroup[]): string[] {
  return rules.map((rule) => `${rule.allow ? 'allow' : 'deny'} ${ruleText(rule)}`);
}
