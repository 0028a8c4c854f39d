/**
 * The host side of a container's user namespace, at its claim: the range
 * it maps to (picked and recorded under the lock), how its files get their
 * owners (an idmapped root needs nothing here; `chown` shifts the tree
 * once), and for a booted OS the cgroups its systemd may manage.
 */
import { ContainerError } from '../errors.js';
import { ANNOTATION } from '../oci/settings.js';
import { rangeMappings, resolveOwnership } from '../oci/private-users.js';
import type { Spec } from '../oci/types.js';
import type { NspawnSettings } from '../oci/settings.js';
import type { ContainerRecord, UserRange } from '../state/record.js';
import { claimUserRange } from '../state/user-ranges.js';
import { chownTree, treeBase } from './ownership.js';

export function createsUserNamespace(spec: Spec): boolean {
  return (spec.linux?.namespaces ?? []).some((ns) => ns.type === 'user' && ns.path === undefined);
}

/** Fills in the spec's maps (pick) and ownership (auto), records the range, chowns if asked. */
export async function claimUserNamespace(spec: Spec, settings: NspawnSettings, record: ContainerRecord): Promise<void> {
  if (!createsUserNamespace(spec)) return;
  const linux = (spec.linux ??= {});
  const users = settings.privateUsers;
  if (users && users.ownership === 'auto') {
    users.ownership = resolveOwnership('auto', spec.root.path);
    (spec.annotations ??= {})[ANNOTATION.privateUsersOwnership] = users.ownership;
  }
  let range: UserRange | undefined;
  if (users?.pick) {
    // A chowned tree keeps its range where it can: no second shift.
    range = await claimUserRange(record, { pick: true, preferred: users.ownership === 'chown' ? [treeBase(spec.root.path)] : [] });
    linux.uidMappings = rangeMappings(range.base, range.count);
    linux.gidMappings = rangeMappings(range.base, range.count);
  } else {
    const extent = linux.uidMappings?.length === 1 ? linux.uidMappings[0] : undefined;
    if (extent && extent.containerID === 0 && extent.hostID > 0) range = await claimUserRange(record, { pick: false, range: { base: extent.hostID, count: extent.size } });
  }
  if (users?.ownership !== 'chown') return;
  if (!range) throw new ContainerError('--private-users-ownership=chown needs one range from container ID 0 (e.g. --private-users=pick)', { code: 'invalid-spec' });
  const started = performance.now();
  const changed = chownTree(spec.root.path, range);
  if (changed !== undefined) {
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    process.stderr.write(`ts-nspawn: chowned ${changed} files of ${spec.root.path} to the range ${range.base}:${range.count} in ${seconds}s (once: the root's owner records it)\n`);
  }
}
