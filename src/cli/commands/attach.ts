/** `ts-nspawn attach NAME` */
import type { CommandDef } from '../command-line.js';
import { consoleHint } from '../console-hint.js';

export const attachCommand: CommandDef = {
  name: 'attach',
  summary: 'the console of a detached container',
  usage: 'NAME',
  description: 'Connect this terminal to the console of a detached container. Ctrl-] three times within 1s detaches; the container goes on.',
  options: [],
  positionals: { min: 1, max: 1 },
  async run(_, [name = '']) {
    const { attachConsole } = await import('../../runtime/attach.js');
    consoleHint(true, 'detach');
    return attachConsole(name);
  },
};
