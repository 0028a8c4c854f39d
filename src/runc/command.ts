/** What a ts-runc verb is: its options (runc's names), its positionals, and what it does. */
import type { ParseArgsConfig } from 'node:util';
import { ContainerError } from '../errors.js';

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface RuncContext {
  /** The state directory (--root). */
  root: string;
}

export interface RuncCommand {
  name: string;
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Positionals after the options: at least, at most. */
  positionals: { min: number; max: number };
  /** Everything after the last fixed positional is passed through (exec's command). */
  trailing?: boolean;
  /**
   * Loads the runtime modules it needs with `await import`: engines call
   * ts-runc several times per container, and a verb such as `state` should
   * not pay for loading `create`'s (the standalone build keeps them apart).
   */
  run(values: Values, positionals: string[], context: RuncContext): Promise<number>;
}

export const string = (value: Values[string]): string | undefined => (typeof value === 'string' ? value : undefined);
export const strings = (value: Values[string]): string[] => (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []);

/** A failure that exits with a status of its own instead of 1 (runc's exec: 255). */
export class RuncFailure extends ContainerError {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/**
 * An error in runc's words where engines match on them: an unknown ID is
 * "container does not exist" (containerd and podman look for "does not
 * exist"), whatever verb met it.
 */
export function runcMessage(error: ContainerError): string {
  return error.code === 'not-found' ? 'container does not exist' : error.message;
}
