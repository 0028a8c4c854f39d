/** `ts-nspawn bootstrap DIR [OPTIONS]`: a thin layer over the library's bootstrap(). */
import { DEFAULT_VARIANT, VARIANTS, type BootstrapOptions, type BootstrapPhase } from '../../bootstrap/options.js';
import { option, type CommandDef, type Flags } from '../command-line.js';

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const text = (value: Flags[string]): string | undefined => (typeof value === 'string' ? value : undefined);

export const bootstrapCommand: CommandDef = {
  name: 'bootstrap',
  summary: 'create a bootable Debian tree with mmdebstrap',
  usage: '[OPTIONS] DIR',
  description:
    "Create a bootable Debian tree in DIR with mmdebstrap (or debootstrap) from the Debian mirror of the host's apt " +
    'sources, with systemd-sysv, iproute2, iputils-ping, procps and dbus. The tree is built beside DIR and moved ' +
    "there only when complete. Its hostname is DIR's base name, /etc/machine-id is empty (first boot), and root " +
    'logs in on the console without a password unless --root-password is given.',
  options: [
    option('suite', "Debian suite (default: the host's release on Debian, else bookworm)", { value: 'SUITE' }),
    option('include', 'more packages to install, comma-separated', { value: 'PKG,...', multiple: true }),
    option('variant', `package set: ${VARIANTS.join(', ')} (default: ${DEFAULT_VARIANT})`, { value: 'VARIANT' }),
    option('arch', "Debian architecture (default: the host's)", { value: 'ARCH' }),
    option('mirror', "package mirror (default: the Debian mirror in the host's apt sources)", { value: 'URL' }),
    option('root-password', "set root's password (default: none, root logs in on the console without one)", { value: 'PASSWORD' }),
    option('autologin', 'log root in automatically on the console'),
    option('force', 'replace DIR if it is not empty (once the new tree is complete)'),
  ],
  positionals: { min: 1, max: 1 },
  examples: [
    'ts-nspawn bootstrap /var/lib/machines/debian',
    'ts-nspawn bootstrap --suite trixie --include openssh-server,less --autologin /var/lib/machines/trixie',
    'ts-nspawn boot -D /var/lib/machines/debian',
  ],
  async run(flags, [dir = '']) {
    const { bootstrap } = await import('../../bootstrap/bootstrap.js');
    const display = new ProgressDisplay(process.stdout);
    const controller = new AbortController();
    const stop = () => controller.abort();
    for (const signal of STOP_SIGNALS) process.on(signal, stop);
    const started = Date.now();
    const suite = text(flags.suite);
    const arch = text(flags.arch);
    const mirror = text(flags.mirror);
    const rootPassword = text(flags.rootPassword);
    const options: BootstrapOptions = {
      directory: dir,
      include: Array.isArray(flags.include) ? flags.include : [],
      variant: text(flags.variant) ?? DEFAULT_VARIANT,
      autologin: flags.autologin === true,
      force: flags.force === true,
      onProgress: (phase, detail) => display.update(phase, detail),
      signal: controller.signal,
      ...(suite !== undefined ? { suite } : {}),
      ...(arch !== undefined ? { arch } : {}),
      ...(mirror !== undefined ? { mirror } : {}),
      ...(rootPassword !== undefined ? { rootPassword } : {}),
    };
    try {
      await bootstrap(options);
    } finally {
      display.stop();
      for (const signal of STOP_SIGNALS) process.off(signal, stop);
    }
    process.stdout.write(`bootstrapped ${dir} in ${formatSeconds(Date.now() - started)}\n`);
    return 0;
  },
};

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
