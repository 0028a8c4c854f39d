/**
 * How ts-runc reports, as runc does: errors on stderr, and with `--log
 * FILE` also appended to FILE, as text (`time="..." level=error
 * msg="..."`) or, with `--log-format json`, one JSON object per line,
 * which is what containerd's shim and podman's conmon read back.
 */
import { appendFileSync } from 'node:fs';
import { printError } from '../cli/output.js';

export interface LogSettings {
  file?: string;
  format: 'text' | 'json';
  debug: boolean;
}

let settings: LogSettings = { format: 'text', debug: false };

export function configureLog(next: LogSettings): void {
  settings = next;
}

function line(level: 'error' | 'warning' | 'debug', message: string): string {
  const time = new Date().toISOString();
  if (settings.format === 'json') return `${JSON.stringify({ level, msg: message, time })}\n`;
  return `time="${time}" level=${level} msg=${JSON.stringify(message)}\n`;
}

function emit(level: 'error' | 'warning' | 'debug', message: string): void {
  const text = line(level, message);
  printError(text);
  if (!settings.file) return;
  try {
    appendFileSync(settings.file, text);
  } catch {
    // the log is a courtesy: the message went to stderr
  }
}

export const logError = (message: string): void => emit('error', message);
export const logWarning = (message: string): void => emit('warning', message);
export function logDebug(message: string): void {
  if (settings.debug) emit('debug', message);
}
