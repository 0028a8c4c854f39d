/**
 * The CLI's own output, written straight to fds 1 and 2. Not
 * process.stdout/stderr: under Bun their first use loads the stream
 * machinery, ~6 ms of a container's start for one line of text.
 */
import { writeSync } from 'node:fs';

function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let written = 0; written < bytes.length; ) {
    try {
      written += writeSync(fd, bytes, written);
    } catch (error) {
      // A non-blocking pipe that is full: wait for the reader.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

export const print = (data: string | Uint8Array): void => writeAll(1, data);
export const printError = (data: string | Uint8Array): void => writeAll(2, data);
