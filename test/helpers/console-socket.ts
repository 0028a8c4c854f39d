/**
 * A console-socket receiver like podman's conmon or containerd's shim: it
 * listens on a Unix socket, takes the PTY master a runtime sends with
 * SCM_RIGHTS (the message is the PTY's name), and prints the name and the
 * first line read from the master.
 */
import { startFdReceiver, type FdReceiver } from './fd-receiver.js';

const RECEIVER = `
import socket, array, os, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(1024, socket.CMSG_SPACE(4))
if not anc: sys.exit(0)  # a runtime that refused closes without sending
fds.frombytes(anc[0][2][:4]); os.set_blocking(fds[0], True)
data = b""
while b"\\n" not in data: data += os.read(fds[0], 100)
print(msg.decode(), data.decode().strip(), flush=True)
`;

export interface ConsoleReceiver extends FdReceiver {
  /** What it printed so far: "ready", then "PTY-NAME FIRST-LINE". */
  output(): string;
}

export function consoleReceiver(socket: string): Promise<ConsoleReceiver> {
  return startFdReceiver('the console receiver', RECEIVER, socket);
}
