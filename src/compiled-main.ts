/**
 * The entry of the compiled executable build/cli/ts-nspawn that bin/ts-nspawn
 * and bin/ts-runc run (scripts/compile-cli.sh). One binary holds both CLIs,
 * and the name it is started by picks one: build/cli/ts-runc is a symlink
 * to it. Each CLI is a chunk of its own, loaded only when picked.
 */
const name = process.argv0.slice(process.argv0.lastIndexOf('/') + 1);
if (name === 'ts-runc') await import('./runc/main.js');
else await import('./cli/main.js');
