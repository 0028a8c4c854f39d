/**
 * Reading a file of a container's record without trusting what is there:
 * opened with O_NOFOLLOW (a symlink is refused, not followed) and
 * O_NONBLOCK (a FIFO cannot hang the reader), then it must be a regular
 * file of sane size and valid UTF-8. Anything else is a corrupt record.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';

export type FileRead = { ok: true; text: string } | { ok: false; missing: boolean; reason: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

export function readRecordFile(path: string, maxBytes: number): FileRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, missing: true, reason: 'is missing' };
    if (code === 'ELOOP') return { ok: false, missing: false, reason: 'is a symlink' };
    return { ok: false, missing: false, reason: `cannot be opened (${code ?? 'error'})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, missing: false, reason: `is ${kindOf(stat)}, not a regular file` };
    if (stat.size > maxBytes) return { ok: false, missing: false, reason: `is too large (${stat.size} bytes, at most ${maxBytes})` };
    // One byte more than fstat says, to notice a file that grew past the limit meanwhile.
    const buffer = Buffer.allocUnsafe(Math.min(maxBytes, stat.size) + 1);
    let length = 0;
    for (let read; length < buffer.length && (read = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += read;
    if (length > Math.min(maxBytes, stat.size)) return { ok: false, missing: false, reason: 'changed while it was read' };
    try {
      return { ok: true, text: decoder.decode(buffer.subarray(0, length)) };
    } catch {
      return { ok: false, missing: false, reason: 'is not UTF-8' };
    }
  } catch (error) {
    return { ok: false, missing: false, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
}

/** A record's directory must be a real directory, not a symlink to somewhere else. */
export function directoryProblem(path: string): { missing: boolean; reason: string } | undefined {
  try {
    const stat = lstatSync(path);
    if (stat.isDirectory()) return undefined;
    return { missing: false, reason: `is ${kindOf(stat)}, not a directory` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { missing: code === 'ENOENT', reason: code === 'ENOENT' ? 'is missing' : `cannot be examined (${code})` };
  }
}

function kindOf(stat: ReturnType<typeof lstatSync>): string {
  if (!stat) return 'nothing';
  if (stat.isSymbolicLink()) return 'a symlink';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isDirectory()) return 'a directory';
  return 'a special file';
}
