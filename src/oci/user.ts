/** Resolution of --user (UID[:GID] or NAME[:GROUP]) against the container's own account files. */
import { readFileSync } from 'node:fs';
import { ContainerError } from '../errors.js';
import { resolveInRoot } from '../host/root-path.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

const ID = /^\d+$/;
const MAX_ID = 0xfffffffe;

export function resolveUser(text: string, rootDirectory: string): ResolvedUser {
  const [userPart = '', groupPart, extra] = text.split(':');
  if (userPart === '' || groupPart === '' || extra !== undefined) {
    throw new ContainerError(`invalid --user '${text}': expected UID[:GID] or NAME[:GROUP]`, { code: 'invalid-spec' });
  }
  const passwd = readAccounts(rootDirectory, '/etc/passwd');
  const entry = ID.test(userPart)
    ? passwd.find((candidate) => candidate.uid === Number(userPart))
    : passwd.find((candidate) => candidate.name === userPart);
  if (!ID.test(userPart) && !entry) {
    throw new ContainerError(`user '${userPart}' does not exist in the container's /etc/passwd: give a numeric UID instead`, { code: 'invalid-spec' });
  }
  const uid = entry?.uid ?? checkId(Number(userPart), text);
  let gid = entry?.gid ?? uid;
  if (groupPart !== undefined) {
    if (ID.test(groupPart)) {
      gid = checkId(Number(groupPart), text);
    } else {
      const group = readAccounts(rootDirectory, '/etc/group').find((candidate) => candidate.name === groupPart);
      if (!group) throw new ContainerError(`group '${groupPart}' does not exist in the container's /etc/group: give a numeric GID instead`, { code: 'invalid-spec' });
      gid = group.uid;
    }
  }
  return { uid, gid, home: entry?.home ?? (uid === 0 ? '/root' : '/') };
}

function checkId(id: number, text: string): number {
  if (id > MAX_ID) throw new ContainerError(`invalid --user '${text}': IDs go up to ${MAX_ID}`, { code: 'invalid-spec' });
  return id;
}

/** Reads passwd or group lines (name:x:id:gid-or-members...); a missing file is empty. */
function readAccounts(rootDirectory: string, path: string): PasswdEntry[] {
  const hostPath = resolveInRoot(rootDirectory, path);
  if (!hostPath) return [];
  let text: string;
  try {
    text = readFileSync(hostPath, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 3 && ID.test(fields[2] ?? ''))
    .map((fields) => ({
      name: fields[0] ?? '',
      uid: Number(fields[2]),
      gid: Number(ID.test(fields[3] ?? '') ? fields[3] : fields[2]),
      home: fields[5] || '/',
    }));
}
