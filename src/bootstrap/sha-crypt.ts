/**
 * SHA-512 crypt (`$6$salt$hash`), the password hash glibc's crypt(3), PAM
 * and `openssl passwd -6` understand, after Ulrich Drepper's
 * specification ("Unix crypt using SHA-256 and SHA-512"). Done here so the
 * root password of a new tree is hashed without running anything on the
 * host or inside the tree (which may be of another architecture).
 */
import { createHash, randomBytes } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;

/** The byte order in which the final digest is encoded, three bytes at a time. */
const ORDER: Array<[number, number, number]> = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

/** A random 16-character salt from crypt's alphabet. */
export function randomSalt(): string {
  return [...randomBytes(16)].map((byte) => ITOA64[byte & 63]).join('');
}

/**
 * Hashes `password` with `salt` (at most 16 characters are used). With
 * `rounds` other than the default 5000, the result says `rounds=N$`.
 */
export function sha512Crypt(password: string, salt: string = randomSalt(), rounds?: number): string {
  const key = Buffer.from(password, 'utf8');
  const saltBytes = Buffer.from(salt, 'utf8').subarray(0, 16);
  const custom = rounds !== undefined;
  const n = Math.min(MAX_ROUNDS, Math.max(MIN_ROUNDS, rounds ?? DEFAULT_ROUNDS));

  const b = sha512(key, saltBytes, key);
  const a = createHash('sha512').update(key).update(saltBytes);
  a.update(repeat(b, key.length));
  for (let i = key.length; i > 0; i >>= 1) a.update(i & 1 ? b : key);
  let c = a.digest();

  const dp = createHash('sha512');
  for (let i = 0; i < key.length; i++) dp.update(key);
  const p = repeat(dp.digest(), key.length);
  const ds = createHash('sha512');
  for (let i = 0; i < 16 + c[0]!; i++) ds.update(saltBytes);
  const s = repeat(ds.digest(), saltBytes.length);

  for (let round = 0; round < n; round++) {
    const hash = createHash('sha512');
    hash.update(round & 1 ? p : c);
    if (round % 3) hash.update(s);
    if (round % 7) hash.update(p);
    hash.update(round & 1 ? c : p);
    c = hash.digest();
  }

  let encoded = '';
  for (const [x, y, z] of ORDER) encoded += b64(c[x]!, c[y]!, c[z]!, 4);
  encoded += b64(0, 0, c[63]!, 2);
  return `$6$${custom ? `rounds=${n}$` : ''}${saltBytes.toString('utf8')}$${encoded}`;
}

function sha512(...parts: Buffer[]): Buffer {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** `digest` repeated (and cut) to `length` bytes. */
function repeat(digest: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += digest.length) digest.copy(out, i, 0, Math.min(digest.length, length - i));
  return out;
}

function b64(b2: number, b1: number, b0: number, count: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < count; i++) {
    out += ITOA64[w & 63];
    w >>= 6;
  }
  return out;
}
