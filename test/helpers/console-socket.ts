/**
 * A console-socket receiver like podman's conmon or containerd's shim: it
 * listens on a Unix socket, takes the PTY master a runtime sends with
 * SCM_RIGHTS (the message is the PTY's name), and prints the name and the
 * first line read from the master.
 */
import { spawn } from 'node:child_process';
import { waitFor } from './wait.js';

const RECEIVER = `
import socket, array, os, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(1024, socket.CMSG_SPACE(4))
fds.frombytes(anc[0][2][:4]); os.set_blocking(fds[0], True)
data = b""
while b"\\n" not in data: data += os.read(fds[0], 100)
print(msg.decode(), data.decode().strip(), flush=True)
`;

export interface ConsoleReceiver {
  /** What it printed so far: "ready", then "PTY-NAME FIRST-LINE". */
  output(): string;
  stop(): void;
}

export async function consoleReceiver(socket: string): Promise<ConsoleReceiver> {
  const receiver = spawn('python3', ['-c', RECEIVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  receiver.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const stop = () => {
    if (receiver.exitCode === null && receiver.signalCode === null) receiver.kill();
  };
  try {
    await waitFor('the console receiver', () => output.includes('ready'));
  } catch (error) {
    stop();
    throw error;
  }
  return { output: () => output, stop };
}
