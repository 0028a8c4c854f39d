import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ContainerError } from '../../src/errors.js';
import { runTool, ToolError } from '../../src/host/tools.js';

it('names the package to install when a host tool is missing', async () => {
  const original = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await assert.rejects(runTool('ip', ['link']), (error: unknown) => {
      assert.ok(error instanceof ContainerError);
      assert.equal(error.message, "'ip' was not found on the host: install the iproute2 package");
      assert.equal(error.exitCode, 125);
      return true;
    });
  } finally {
    process.env.PATH = original;
  }
});

it("reports a failing tool with its own message", async () => {
  await assert.rejects(runTool('sh', ['-c', 'echo broken >&2; exit 3']), (error: unknown) => {
    assert.ok(error instanceof ToolError);
    assert.equal(error.output, 'broken');
    return true;
  });
});

it('feeds input and returns output', async () => {
  assert.equal((await runTool('cat', [], 'through\n')).stdout, 'through\n');
});
