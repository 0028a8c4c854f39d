/** `pause ID` and `resume ID`: the container's cgroup frozen and thawed; `state` says "paused" meanwhile. */
import { ContainerError } from '../../errors.js';
import { pauseContainer, resumeContainer } from '../../runtime/freezer.js';
import { checkId } from '../bundle.js';
import type { RuncCommand } from '../command.js';

/** runc's words for a container in the wrong state; other failures as they are. */
async function inRuncWords(action: () => Promise<void>, wrongState: string[], message: string): Promise<number> {
  try {
    await action();
  } catch (error) {
    if (error instanceof ContainerError && wrongState.includes(error.code)) throw new ContainerError(message, { code: error.code });
    throw error;
  }
  return 0;
}

export const pauseCommand: RuncCommand = {
  name: 'pause',
  usage: 'pause ID',
  summary: 'suspend every process of the container',
  options: {},
  positionals: { min: 1, max: 1 },
  run: (_, [id = '']) => inRuncWords(() => pauseContainer(checkId(id)), ['not-running', 'paused'], 'container not running'),
};

export const resumeCommand: RuncCommand = {
  name: 'resume',
  usage: 'resume ID',
  summary: 'resume the processes of a paused container',
  options: {},
  positionals: { min: 1, max: 1 },
  run: (_, [id = '']) => inRuncWords(() => resumeContainer(checkId(id)), ['not-running', 'not-paused'], 'container not paused'),
};
