/**
 * Follows a bootstrap tool's output: which phase it is in (resolving,
 * downloading, extracting, installing, configuring), what it is doing
 * right now, and, when it fails, the line that says why. mmdebstrap marks
 * its steps with `I: ...` lines and, with --verbose, passes on apt's
 * `Get:N ...` and dpkg's `Unpacking ...`/`Setting up ...` lines;
 * debootstrap prints `I: Retrieving/Extracting/Unpacking/Configuring ...`.
 * Errors are `E: ...` lines (and dpkg's `dpkg: error ...`).
 */
import { PHASES, type BootstrapPhase, type BootstrapTool } from './options.js';

export interface LineInfo {
  /** The phase this line shows the tool to be in, if it marks one. */
  phase?: BootstrapPhase;
  /** A short description of what the tool is doing. */
  detail?: string;
  /** The line is an error message (without its `E: ` prefix). */
  error?: string;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** What one output line of `tool` says. */
export function classifyLine(tool: BootstrapTool, rawLine: string): LineInfo {
  const line = stripAnsi(rawLine).trim();
  if (line === '') return {};
  const error = /^E: (.*)$/.exec(line)?.[1] ?? (/^dpkg: error/.test(line) ? line : undefined);
  if (error !== undefined) return { error };
  const common = commonLine(line);
  if (common) return common;
  return tool === 'mmdebstrap' ? mmdebstrapLine(line) : debootstrapLine(line);
}

/** apt's and dpkg's own lines, the same under both tools. */
function commonLine(line: string): LineInfo | undefined {
  // Get:12 http://HOST/debian bookworm/main amd64 libc6 amd64 2.36-9 [2757 kB]
  const pkg = /^Get:\d+\s+\S+\s+\S+\s+\S+\s+(\S+)\s+\S+\s+([^\s[]\S*)\s+\[/.exec(line);
  if (pkg) return { detail: `fetching ${pkg[1]} ${pkg[2]}` };
  // Get:1 http://HOST/debian bookworm InRelease [151 kB]
  const index = /^Get:\d+\s+\S+\s+(.*?)\s*(?:\[[^\]]*\])?$/.exec(line);
  if (index) return { detail: `fetching ${index[1]}` };
  const unpack = /^Unpacking (\S+)/.exec(line);
  if (unpack) return { detail: `unpacking ${stripArch(unpack[1]!)}` };
  const setup = /^Setting up (\S+)/.exec(line);
  if (setup) return { detail: `setting up ${stripArch(setup[1]!)}` };
  return undefined;
}

function stripArch(pkg: string): string {
  return pkg.replace(/:[a-z0-9-]+$/, '');
}

function mmdebstrapLine(line: string): LineInfo {
  const info = /^I: (.*?)(?:\.\.\.)?$/.exec(line)?.[1];
  if (info === undefined) return {};
  if (/^running apt-get update/.test(info)) return { phase: 'resolving', detail: 'updating the package lists' };
  if (/^downloading packages/.test(info)) return { phase: 'downloading', detail: 'downloading packages' };
  if (/^extracting archives/.test(info)) return { phase: 'extracting', detail: 'extracting the essential packages' };
  if (/^installing essential/.test(info)) return { phase: 'installing', detail: 'installing the essential packages' };
  if (/^installing remaining/.test(info)) return { phase: 'installing', detail: 'installing the remaining packages' };
  if (/^(cleaning|running --customize-hook)/.test(info)) return { phase: 'configuring', detail: info };
  if (/^success in/.test(info)) return {};
  return { detail: info };
}

function debootstrapLine(line: string): LineInfo {
  const info = /^I: (.*?)(?:\.\.\.)?$/.exec(line)?.[1];
  if (info === undefined) return {};
  if (/^(Retrieving|Validating) (InRelease|Release|Release\.gpg|Packages)\b/.test(info)) return { phase: 'resolving', detail: info };
  if (/^(Checking|Valid|Resolving|Found|Keyring)/.test(info)) return { phase: 'resolving', detail: info };
  const retrieve = /^(Retrieving|Validating) (\S+)(?: (\S+))?/.exec(info);
  if (retrieve) return { phase: 'downloading', detail: `fetching ${retrieve[2]}${retrieve[3] ? ` ${retrieve[3]}` : ''}` };
  if (/^Extracting /.test(info)) return { phase: 'extracting', detail: info.toLowerCase() };
  if (/^(Installing|Unpacking|Configuring)/.test(info)) return { phase: 'installing', detail: info.replace(/^./, (c) => c.toLowerCase()) };
  if (/^Base system installed/.test(info)) return { phase: 'installing', detail: info };
  return { detail: info };
}

/** Error lines that only say that something above failed. */
const GENERIC_ERROR = /failed to run|^setup failed:|\bfailed$|^Sub-process .* returned an error code/;

/**
 * Accumulates a tool's output: keeps the phase (which only moves forward),
 * the latest detail and the error lines, and reports changes to `onChange`.
 */
export class ProgressTracker {
  phase: BootstrapPhase = 'resolving';
  detail: string | undefined;
  private readonly errors: string[] = [];
  private lastLine = '';
  private partial = '';

  constructor(
    private readonly tool: BootstrapTool,
    private readonly onChange?: (phase: BootstrapPhase, detail?: string) => void,
  ) {}

  /** Feeds a chunk of output (lines may be split across chunks). */
  write(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r\n|\r|\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.line(line);
  }

  /** Processes what is left of an unterminated last line. */
  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  line(raw: string): void {
    const info = classifyLine(this.tool, raw);
    const text = stripAnsi(raw).trim();
    if (text) this.lastLine = text;
    if (info.error !== undefined) {
      this.errors.push(info.error);
      return;
    }
    let changed = false;
    if (info.phase && PHASES.indexOf(info.phase) > PHASES.indexOf(this.phase)) {
      this.phase = info.phase;
      changed = true;
    }
    if (info.detail !== undefined && info.detail !== this.detail) {
      this.detail = info.detail;
      changed = true;
    }
    if (changed) this.onChange?.(this.phase, this.detail);
  }

  /** Moves to `phase` (for the steps ts-nspawn does itself). */
  enter(phase: BootstrapPhase, detail?: string): void {
    this.phase = phase;
    this.detail = detail;
    this.onChange?.(phase, detail);
  }

  /** The line that best says why the tool failed. */
  errorLine(): string | undefined {
    return this.errors.find((error) => !GENERIC_ERROR.test(error)) ?? this.errors[0] ?? (this.lastLine || undefined);
  }
}
