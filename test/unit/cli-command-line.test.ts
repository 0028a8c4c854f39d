import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandHelp, option, parseCommand, requireFlag, UsageError, wrap, type CommandDef } from '../../src/cli/command-line.js';

const noop = async () => 0;

const runLike: CommandDef = {
  name: 'run',
  summary: 'run',
  usage: '[OPTIONS] -D DIR [--] COMMAND [ARG...]',
  description: 'Run a command.',
  options: [
    option('directory', 'root', { short: 'D', value: 'DIR' }),
    option('bind-ro', 'read-only bind', { value: 'SRC', multiple: true }),
    option('console', 'console', { short: 't' }),
    option('pipe', 'pipe', { short: 'P' }),
  ],
  passThrough: { leading: 0, required: true },
  examples: ['ts-nspawn run -D /srv /bin/true'],
  run: noop,
};

const execLike: CommandDef = { ...runLike, name: 'exec', usage: '[OPTIONS] NAME [--] COMMAND [ARG...]', passThrough: { leading: 1, required: true } };

const listLike: CommandDef = { name: 'kill', summary: 'k', usage: 'NAME [SIGNAL]', description: 'Kill.', options: [option('all', 'all')], positionals: { min: 1, max: 2 }, run: noop };

describe('parseCommand', () => {
  it('stops at the first positional: the rest is the command, options included', () => {
    const parsed = parseCommand(runLike, ['-D', '/srv', '-t', 'ls', '-l', '--bind-ro', 'x']);
    assert.deepEqual(parsed.flags, { directory: '/srv', console: true });
    assert.deepEqual(parsed.command, ['ls', '-l', '--bind-ro', 'x']);
  });

  it('never takes an option value for the command, in any spelling', () => {
    assert.deepEqual(parseCommand(runLike, ['-D', 'ls', 'true']).command, ['true']);
    assert.deepEqual(parseCommand(runLike, ['--directory=/srv', 'true']).flags, { directory: '/srv' });
    assert.deepEqual(parseCommand(runLike, ['-D/srv', '-tP', 'true']).flags, { directory: '/srv', console: true, pipe: true });
  });

  it('maps dashed option names to camelCase keys and collects repeatable ones', () => {
    assert.deepEqual(parseCommand(runLike, ['--bind-ro', 'a', '--bind-ro=b', 'true']).flags, { bindRo: ['a', 'b'] });
  });

  it('takes -- as the end of options, dropping it', () => {
    assert.deepEqual(parseCommand(runLike, ['-D', '/srv', '--', '-weird-name', 'arg']).command, ['-weird-name', 'arg']);
  });

  it('keeps leading positionals (exec NAME) before the command', () => {
    const parsed = parseCommand(execLike, ['-t', 'web', 'sh', '-c', 'echo']);
    assert.deepEqual(parsed.positionals, ['web']);
    assert.deepEqual(parsed.command, ['sh', '-c', 'echo']);
  });

  it('reports unknown options, missing values and commands in one line', () => {
    assert.throws(() => parseCommand(runLike, ['--frob', 'true']), { name: 'UsageError', message: "run: unknown option '--frob' (see ts-nspawn run --help)" });
    assert.throws(() => parseCommand(runLike, ['-D']), { message: 'run: option -D, --directory needs a value (see ts-nspawn run --help)' });
    assert.throws(() => parseCommand(runLike, ['-D', '/srv']), { message: 'run: no command given: say what to run after the options (see ts-nspawn run --help)' });
    assert.throws(() => parseCommand(execLike, []), { message: 'exec: missing argument NAME (see ts-nspawn exec --help)' });
  });

  it('names the missing argument, skipping optional parts and option values in the usage', () => {
    const logsLike: CommandDef = { ...listLike, name: 'logs', usage: '[-f] [-n LINES] NAME', positionals: { min: 1, max: 1 } };
    assert.throws(() => parseCommand(logsLike, []), { message: 'logs: missing argument NAME (see ts-nspawn logs --help)' });
  });

  it('counts plain positionals', () => {
    assert.deepEqual(parseCommand(listLike, ['web', 'HUP', '--all']).positionals, ['web', 'HUP']);
    assert.throws(() => parseCommand(listLike, []), { message: 'kill: missing argument NAME (see ts-nspawn kill --help)' });
    assert.throws(() => parseCommand(listLike, ['a', 'b', 'c']), { message: "kill: unexpected argument 'c' (see ts-nspawn kill --help)" });
  });

  it('answers --help without checking the rest', () => {
    assert.equal(parseCommand(runLike, ['--help']).flags.help, true);
    assert.equal(parseCommand(listLike, ['-h']).flags.help, true);
  });

  it('errors are ContainerErrors with exit status 125', () => {
    try {
      parseCommand(runLike, ['--frob']);
      assert.fail('no error');
    } catch (error) {
      assert.ok(error instanceof UsageError);
      assert.equal(error.exitCode, 125);
    }
  });
});

describe('requireFlag', () => {
  it('returns the value or names the option', () => {
    assert.equal(requireFlag({ directory: '/srv' }, runLike, 'directory'), '/srv');
    assert.throws(() => requireFlag({}, runLike, 'directory'), { message: 'run: -D/--directory DIR is required (see ts-nspawn run --help)' });
  });
});

describe('commandHelp', () => {
  it('shows usage, description, every option with its value and the examples', () => {
    const help = commandHelp(runLike);
    assert.match(help, /^Usage: ts-nspawn run \[OPTIONS\] -D DIR \[--\] COMMAND \[ARG\.\.\.\]\n\nRun a command\.\n\nOptions:\n/);
    assert.match(help, /^ {2}-D, --directory DIR +root$/m);
    assert.match(help, /^ {6}--bind-ro SRC +read-only bind \(repeatable\)$/m);
    assert.match(help, /^ {2}-h, --help +show this help$/m);
    assert.match(help, /Examples:\n {2}ts-nspawn run -D \/srv \/bin\/true\n$/);
  });

  it('wraps long text at word boundaries', () => {
    assert.equal(wrap('aaa bbb ccc', 7), 'aaa bbb\nccc');
  });
});
