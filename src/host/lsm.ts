/** Which Linux security modules confine processes on this host (runc's tests: AppArmor's and SELinux's file systems). */
import { existsSync, readFileSync } from 'node:fs';

export function appArmorEnabled(): boolean {
  try {
    return existsSync('/sys/kernel/security/apparmor') && readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    return false;
  }
}

export function selinuxEnabled(): boolean {
  // selinuxfs is mounted (at /sys/fs/selinux) only where SELinux is enabled.
  return existsSync('/sys/fs/selinux/enforce');
}
