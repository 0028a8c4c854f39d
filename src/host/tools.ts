/** Running the host tools ts-nspawn relies on, with errors that name the package to install. */
import { ContainerError } from '../errors.js';

const PACKAGE_OF: Record<string, string> = {
  ip: 'iproute2',
  nsenter: 'util-linux',
};

export interface ToolResult {
  stdout: string;
  stderr: string;
}

/** Runs `tool args`, feeding `input` on stdin; rejects with the tool's own message on failure. */
export function runTool(tool: string, args: string[], input?: string): Promise<ToolResult> {
  // Loaded on use: only bridged networking runs host tools.
  const { execFile } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve, reject) => {
    const child = execFile(tool, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new ContainerError(`'${tool}' was not found on the host: install the ${PACKAGE_OF[tool] ?? tool} package`));
      }
      reject(new ToolError(tool, args, stderr.trim() || error.message));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export class ToolError extends Error {
  constructor(
    readonly tool: string,
    readonly args: string[],
    readonly output: string,
  ) {
    super(`${tool} ${args.join(' ')}: ${output}`);
  }
}
