/** `ts-nspawn bootstrap DIR [OPTIONS]`: a thin layer over the library's bootstrap(). */
import type { Command } from 'commander';
import { bootstrap } from '../../bootstrap/bootstrap.js';
import { DEFAULT_VARIANT, VARIANTS, type BootstrapOptions, type BootstrapPhase } from '../../bootstrap/options.js';

interface BootstrapFlags {
  suite?: string;
  include?: string[];
  variant: string;
  arch?: string;
  mirror?: string;
  rootPassword?: string;
  autologin?: boolean;
  force?: boolean;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function registerBootstrap(program: Command, exit: (status: number) => void): void {
  program
    .command('bootstrap')
    .summary('create a bootable Debian tree with mmdebstrap')
    .description(
      "Create a bootable Debian tree in DIR with mmdebstrap (or debootstrap) from the Debian mirror of the host's apt " +
        'sources, with systemd-sysv, iproute2, iputils-ping, procps and dbus. The tree is built beside DIR and moved ' +
        "there only when complete. Its hostname is DIR's base name, /etc/machine-id is empty (first boot), and root " +
        'logs in on the console without a password unless --root-password is given.',
    )
    .argument('<dir>', 'where to create the tree (a missing or empty directory; any with --force)')
    .option('--suite <suite>', "Debian suite (default: the host's release on Debian, else bookworm)")
    .option('--include <pkg,...>', 'more packages to install, comma-separated; repeatable', (value: string, list: string[] | undefined) => [...(list ?? []), value])
    .option('--variant <variant>', `package set: ${VARIANTS.join(', ')}`, DEFAULT_VARIANT)
    .option('--arch <arch>', "Debian architecture (default: the host's)")
    .option('--mirror <url>', "package mirror (default: the Debian mirror in the host's apt sources)")
    .option('--root-password <password>', "set root's password (default: none, root logs in on the console without one)")
    .option('--autologin', 'log root in automatically on the console')
    .option('--force', 'replace DIR if it is not empty (once the new tree is complete)')
    .addHelpText(
      'after',
      `
Examples:
  ts-nspawn bootstrap /var/lib/machines/debian
  ts-nspawn bootstrap --suite trixie --include openssh-server,less --autologin /var/lib/machines/trixie
  ts-nspawn boot -D /var/lib/machines/debian`,
    )
    .action(async (dir: string, flags: BootstrapFlags) => {
      const display = new ProgressDisplay(process.stdout);
      const controller = new AbortController();
      const stop = () => controller.abort();
      for (const signal of STOP_SIGNALS) process.on(signal, stop);
      const started = Date.now();
      const options: BootstrapOptions = {
        directory: dir,
        include: flags.include ?? [],
        variant: flags.variant,
        autologin: flags.autologin ?? false,
        force: flags.force ?? false,
        onProgress: (phase, detail) => display.update(phase, detail),
        signal: controller.signal,
        ...(flags.suite !== undefined ? { suite: flags.suite } : {}),
        ...(flags.arch !== undefined ? { arch: flags.arch } : {}),
        ...(flags.mirror !== undefined ? { mirror: flags.mirror } : {}),
        ...(flags.rootPassword !== undefined ? { rootPassword: flags.rootPassword } : {}),
      };
      try {
        await bootstrap(options);
      } finally {
        display.stop();
        for (const signal of STOP_SIGNALS) process.off(signal, stop);
      }
      process.stdout.write(`bootstrapped ${dir} in ${formatSeconds(Date.now() - started)}\n`);
      exit(0);
    });
}

const SPINNER = ['|', '/', '-', '\\'];

/**
 * Shows the bootstrap's progress: on a terminal one status line, redrawn
 * in place with a spinner and the time so far; otherwise a plain line per
 * phase.
 */
class ProgressDisplay {
  private phase: BootstrapPhase | undefined;
  private detail: string | undefined;
  private frame = 0;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.tty = out.isTTY === true;
  }

  update(phase: BootstrapPhase, detail?: string): void {
    if (!this.tty) {
      if (phase !== this.phase) this.out.write(`${phase}${detail ? `: ${detail}` : ''}\n`);
      this.phase = phase;
      return;
    }
    const changed = phase !== this.phase;
    this.phase = phase;
    this.detail = detail;
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
    // Details come by the hundred a second: the timer shows the latest.
    if (changed) this.draw();
  }

  private draw(): void {
    if (!this.phase) return;
    const spinner = SPINNER[this.frame++ % SPINNER.length];
    const line = `${spinner} ${this.phase}${this.detail ? `: ${this.detail}` : ''}`;
    const time = ` [${formatSeconds(Date.now() - this.started)}]`;
    const width = Math.max(20, (this.out.columns || 80) - 1);
    const room = width - time.length;
    const text = line.length > room ? `${line.slice(0, Math.max(0, room - 3))}...` : line;
    this.out.write(`\r\x1b[K${text}${time}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && this.phase) this.out.write('\r\x1b[K');
  }
}

function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
