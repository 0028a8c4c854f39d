/**
 * A detached container's output, as its monitor wrote it: console.log,
 * preceded by console.log.1 after a rotation. Kept until `rm`.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { quote } from '../quote.js';
import { ContainerError } from '../errors.js';
import { containerFile } from '../state/paths.js';
import { requireContainer } from './lifecycle.js';

/** The log as it is now; empty if absent or not a regular file (a FIFO or symlink must not hang or redirect us). */
function readIfPresent(path: string): Buffer {
  const chunks: Buffer[] = [];
  copyFrom(path, 0, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks);
}

/**
 * The whole log, or its last `lines` lines, and how far into console.log
 * that reached (where `followLog` goes on).
 */
export async function readLog(name: string, lines?: number): Promise<{ text: Buffer; offset: number }> {
  const record = await requireContainer(name);
  if (!record.detached) throw new ContainerError(`container ${quote(name)} runs in the foreground: its output goes to its terminal, not to a log`);
  const path = containerFile(name, 'log');
  const current = readIfPresent(path);
  const text = Buffer.concat([readIfPresent(`${path}.1`), current]);
  return { text: lines === undefined ? text : lastLines(text, lines), offset: current.length };
}

export function lastLines(text: Buffer, count: number): Buffer {
  if (count <= 0) return Buffer.alloc(0);
  let end = text.length;
  if (end > 0 && text[end - 1] === 0x0a) end--;
  let start = end;
  for (let seen = 0; start > 0; start--) {
    if (text[start - 1] === 0x0a && ++seen === count) break;
  }
  return text.subarray(start);
}

/**
 * Writes what the log gains from `offset` on until the container has
 * stopped (and its last output is read). Follows a rotation.
 */
export async function followLog(name: string, offset: number, write: (chunk: Buffer) => void, signal?: AbortSignal): Promise<void> {
  const path = containerFile(name, 'log');
  let position = offset;
  let inode = existsSync(path) ? statSync(path).ino : 0;
  for (;;) {
    const stopped = (await requireContainer(name)).status === 'stopped';
    if (existsSync(path)) {
      const stat = statSync(path);
      if (stat.ino !== inode || stat.size < position) {
        // Rotated: the rest of the old file is now console.log.1.
        const old = readIfPresent(`${path}.1`);
        if (old.length > position) write(old.subarray(position));
        inode = stat.ino;
        position = 0;
      }
      position += copyFrom(path, position, write);
    }
    if (stopped || signal?.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function copyFrom(path: string, position: number, write: (chunk: Buffer) => void): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return 0;
  }
  try {
    if (!fstatSync(fd).isFile()) return 0;
    let copied = 0;
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, position + copied);
      if (read === 0) return copied;
      write(Buffer.from(buffer.subarray(0, read)));
      copied += read;
    }
  } finally {
    closeSync(fd);
  }
}
