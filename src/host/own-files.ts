/**
 * Where the runtime's own files are at run time: the executor, the CLI
 * the monitor runs as its exit hook, and share/run-host.
 *
 * From the npm package's modules (src/, dist/) they sit under the package
 * root, found from this module's URL (both sit two levels below it). A
 * compiled executable carries its code inside the binary, where
 * import.meta.url is no real path, so it finds them from the binary's own
 * path, in one of two layouts its build names:
 *   - package (scripts/compile-cli.sh): ROOT/build/cli/ts-nspawn in the
 *     package, which bin/ts-nspawn and bin/ts-runc run;
 *   - prefix (scripts/build-standalone.sh), as a release is installed:
 *     PREFIX/bin/ts-nspawn, PREFIX/bin/ts-runc
 *     PREFIX/libexec/ts-nspawn/ts-nspawn-executor
 *     PREFIX/share/ts-nspawn/run-host/
 * The executor stays a file of its own there rather than being embedded
 * and extracted at run time: it runs as root, so an auditable file that
 * only the installer writes is safer than a copy written on each start.
 */
import { pathOfFileUrl } from './file-url.js';

/** Set by `bun build --define` in the two compile scripts; absent in the modules. */
declare const TS_NSPAWN_LAYOUT: 'package' | 'prefix' | undefined;

const layout = typeof TS_NSPAWN_LAYOUT === 'undefined' ? 'modules' : TS_NSPAWN_LAYOUT;

/** The directory `levels` above the executable; Bun gives its real path (from /proc/self/exe), symlinks resolved. */
function aboveExecutable(levels: number): string {
  let path = process.execPath;
  for (let i = 0; i < levels; i++) path = path.slice(0, path.lastIndexOf('/'));
  return path;
}

function own(inPackage: string, inPrefix: string): string {
  if (layout === 'modules') return pathOfFileUrl(new URL(`../../${inPackage}`, import.meta.url));
  if (layout === 'package') return `${aboveExecutable(3)}/${inPackage}`;
  return `${aboveExecutable(2)}/${inPrefix}`;
}

/** Whether this is a standalone release (then the error messages name the install, not npm). */
export const STANDALONE = layout === 'prefix';

export const EXECUTOR_FILE = own('build/ts-nspawn-executor', 'libexec/ts-nspawn/ts-nspawn-executor');

/** `ts-nspawn`, run by a detached container's monitor as its exit hook (`ts-nspawn cleanup NAME`). */
export const CLI_FILE = own('bin/ts-nspawn', 'bin/ts-nspawn');

/** Shown to containers at /run/host (see oci/defaults.ts). */
export const RUN_HOST_DIRECTORY = own('share/run-host', 'share/ts-nspawn/run-host');
