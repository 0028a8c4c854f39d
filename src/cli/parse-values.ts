/** Parsers for option values shared by several verbs, with errors that quote the bad value. */
import { constants } from 'node:os';
import { ContainerError } from '../errors.js';
import { SIGRTMAX, SIGRTMIN } from '../host/signals.js';
import { quote } from '../quote.js';
import type { RlimitOption } from '../oci/container-options.js';


/** A signal by number, name (TERM, SIGTERM) or real-time offset (RTMIN+3, SIGRTMAX-1). */
export function parseSignal(text: string): number {
  const upper = text.toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(upper)) {
    const number = Number(upper);
    if (number >= 1 && number <= SIGRTMAX) return number;
  }
  const named = (constants.signals as Record<string, number>)[`SIG${upper}`];
  if (named !== undefined) return named;
  const realtime = /^RT(MIN|MAX)([+-]\d+)?$/.exec(upper);
  if (realtime) {
    const number = (realtime[1] === 'MIN' ? SIGRTMIN : SIGRTMAX) + Number(realtime[2] ?? 0);
    if (number >= SIGRTMIN && number <= SIGRTMAX) return number;
  }
  throw new ContainerError(`unknown signal ${quote(text)}: give a name like TERM, HUP, RTMIN+3 or a number from 1 to ${SIGRTMAX}`);
}

export function parseNonNegative(text: string, what: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new ContainerError(`invalid ${what} ${quote(text)}: expected a number of 0 or more`);
  }
  return value;
}

export function parseInteger(value: string, flag: string): number {
  if (!/^-?\d+$/.test(value)) throw new ContainerError(`invalid ${flag} ${quote(value)}: expected a whole number`, { code: 'invalid-spec' });
  return Number(value);
}

/** 64m, 1g, 512k or plain bytes (binary units, as podman); -1 for unlimited. */
export function parseSize(value: string, flag: string): number {
  if (value === '-1') return -1;
  const match = /^(\d+)([kmgt]?)b?$/i.exec(value);
  if (!match) throw new ContainerError(`invalid ${flag} ${quote(value)}: expected a size such as 512m or 2g, or -1 for unlimited`, { code: 'invalid-spec' });
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(match[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Number(match[1]) * unit;
}

/** `--rlimit NAME=SOFT[:HARD]` (podman's --ulimit form): one value sets both; `unlimited` or -1 is no limit. */
export function parseRlimit(text: string): RlimitOption {
  const match = /^([A-Za-z_]+)=([^:]+)(?::(.+))?$/.exec(text);
  const bound = (value: string | undefined): number | 'unlimited' | undefined => {
    if (value === undefined) return undefined;
    if (value === 'unlimited' || value === 'infinity' || value === '-1') return 'unlimited';
    return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
  };
  const soft = bound(match?.[2]);
  const hard = match?.[3] === undefined ? soft : bound(match[3]);
  if (!match || soft === undefined || hard === undefined) {
    throw new ContainerError(`invalid --rlimit ${quote(text)}: expected NAME=SOFT[:HARD], such as NOFILE=1024:4096 (unlimited for no limit)`, { code: 'invalid-spec' });
  }
  return { name: match[1]!, soft, hard };
}
