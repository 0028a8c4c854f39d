/**
 * Where the runtime's own files are at run time: the executor, the CLI
 * the monitor runs as its exit hook, and share/run-host.
 *
 * From the npm package they sit under the package root, found from this
 * module's URL (src/ and dist/ both sit two levels below it). A standalone
 * executable (scripts/build-standalone.sh) carries its code inside the
 * binary, where import.meta.url is no real path, so it finds them from the
 * binary's own path, in the prefix layout it is installed in:
 *   PREFIX/bin/ts-nspawn, PREFIX/bin/ts-runc
 *   PREFIX/libexec/ts-nspawn/ts-nspawn-executor
 *   PREFIX/share/ts-nspawn/run-host/
 * The executor stays a file of its own there rather than being embedded
 * and extracted at run time: it runs as root, so an auditable file that
 * only the installer writes is safer than a copy written on each start.
 */
import { pathOfFileUrl } from './file-url.js';

/** Set by `bun build --define` in scripts/build-standalone.sh; absent elsewhere. */
declare const TS_NSPAWN_STANDALONE: boolean | undefined;

const standalone = typeof TS_NSPAWN_STANDALONE !== 'undefined' && TS_NSPAWN_STANDALONE === true;

/** The executable's directory; Bun gives its real path (from /proc/self/exe), symlinks resolved. */
const binDirectory = () => process.execPath.slice(0, process.execPath.lastIndexOf('/'));

function own(inPackage: string, inPrefix: string): string {
  if (!standalone) return pathOfFileUrl(new URL(`../../${inPackage}`, import.meta.url));
  const bin = binDirectory();
  return `${bin.slice(0, bin.lastIndexOf('/'))}/${inPrefix}`;
}

/** Whether this is a standalone executable (then the error messages name the install, not npm). */
export const STANDALONE = standalone;

export const EXECUTOR_FILE = own('build/ts-nspawn-executor', 'libexec/ts-nspawn/ts-nspawn-executor');

/** `ts-nspawn`, run by a detached container's monitor as its exit hook (`ts-nspawn cleanup NAME`). */
export const CLI_FILE = own('bin/ts-nspawn', 'bin/ts-nspawn');

/** Shown to containers at /run/host (see oci/defaults.ts). */
export const RUN_HOST_DIRECTORY = own('share/run-host', 'share/ts-nspawn/run-host');
