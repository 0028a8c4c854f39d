/**
 * A CRI client for tests, as the kubelet talks to containerd's CRI plugin:
 * unary gRPC calls of `runtime.v1.RuntimeService` over HTTP/2 on the
 * daemon's Unix socket, the messages encoded here as protobuf. Only what
 * the tests send and read: strings, numbers, booleans, nested messages and
 * repeated fields; responses are read field by field, as protobuf numbers
 * them (Debian has no crictl to drive the plugin with).
 */
import { connect as connectHttp2, constants } from 'node:http2';
import { connect as connectUnix } from 'node:net';

/** A message: its fields in order; a repeated field is given once per value. */
export type Message = Array<[field: number, value: FieldValue]>;
type FieldValue = string | number | boolean | Buffer | Message | undefined;

/** Protobuf wire format: varints (wire type 0) and length-delimited fields (2). */
export function encode(message: Message): Buffer {
  const parts: Buffer[] = [];
  for (const [field, value] of message) {
    if (value === undefined) continue;
    if (typeof value === 'number' || typeof value === 'boolean') {
      parts.push(varint(field << 3), varint(typeof value === 'boolean' ? Number(value) : value));
      continue;
    }
    const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.isBuffer(value) ? value : encode(value);
    parts.push(varint((field << 3) | 2), varint(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

/** A map<string, string> field's entries. */
export function mapEntries(field: number, entries: Record<string, string>): Message {
  return Object.entries(entries).map(([key, value]) => [field, [[1, key], [2, value]]]);
}

function varint(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`cannot encode ${value} as a varint`);
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}

/** The top-level fields of a message: numbers for varints, Buffers for length-delimited ones. */
export function decode(bytes: Buffer): Map<number, Array<number | Buffer>> {
  const fields = new Map<number, Array<number | Buffer>>();
  let offset = 0;
  const readVarint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[offset++];
      if (byte === undefined) throw new Error('truncated protobuf message');
      value += (byte & 0x7f) * scale;
      if (!(byte & 0x80)) return value;
      scale *= 128;
    }
  };
  while (offset < bytes.length) {
    const key = readVarint();
    const [field, wire] = [Math.floor(key / 8), key % 8];
    let value: number | Buffer;
    if (wire === 0) value = readVarint();
    else if (wire === 2) {
      const length = readVarint();
      value = bytes.subarray(offset, offset + length);
      offset += length;
    } else throw new Error(`protobuf wire type ${wire} is not read here`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

/** One string field of a response. */
export const stringField = (fields: Map<number, Array<number | Buffer>>, field: number): string => String(fields.get(field)?.[0] ?? '');

export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly status: number,
    message: string,
  ) {
    super(`CRI ${method}: gRPC status ${status}: ${message}`);
  }
}

/** Calls runtime.v1.RuntimeService/METHOD on the daemon at SOCKET; resolves with the response's fields. */
export async function criCall(socket: string, method: string, request: Message, timeoutMs = 60_000): Promise<Map<number, Array<number | Buffer>>> {
  const session = connectHttp2('http://localhost', { createConnection: () => connectUnix(socket) });
  try {
    return await new Promise((resolve, reject) => {
      session.on('error', reject);
      const stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: `/runtime.v1.RuntimeService/${method}`,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.setTimeout(timeoutMs, () => stream.close(constants.NGHTTP2_CANCEL, () => reject(new Error(`CRI ${method}: no answer in ${timeoutMs} ms`))));
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let message = '';
      const takeStatus = (headers: Record<string, unknown>) => {
        if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']);
        if (headers['grpc-message'] !== undefined) message = decodeURIComponent(String(headers['grpc-message']));
      };
      stream.on('response', takeStatus);
      stream.on('trailers', takeStatus);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('close', () => {
        if (status !== '0') return reject(new CriError(method, Number(status ?? -1), message || 'no grpc-status'));
        // One length-prefixed message: a compression flag byte, a 4-byte length, the message.
        const body = Buffer.concat(chunks);
        resolve(decode(body.subarray(5, 5 + (body.length >= 5 ? body.readUInt32BE(1) : 0))));
      });
      const payload = encode(request);
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(payload.length, 1);
      stream.end(Buffer.concat([frame, payload]));
    });
  } finally {
    session.close();
  }
}
