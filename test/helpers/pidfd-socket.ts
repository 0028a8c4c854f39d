/**
 * A --pidfd-socket receiver as an engine would run it: it listens on a
 * Unix socket, takes the pidfd a runtime sends with SCM_RIGHTS, and prints
 * the message's data and the PID the pidfd refers to (its fdinfo's Pid:),
 * then "exited" once the pidfd says the process has ended.
 */
import { startFdReceiver, type FdReceiver } from './fd-receiver.js';

const RECEIVER = `
import socket, array, os, sys, select
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(1024, socket.CMSG_SPACE(4))
fds.frombytes(anc[0][2][:4])
pid = [l.split()[1] for l in open("/proc/self/fdinfo/%d" % fds[0]) if l.startswith("Pid:")][0]
print(msg.decode(), pid, flush=True)
p = select.poll(); p.register(fds[0], select.POLLIN); p.poll()
print("exited", flush=True)
`;

export interface PidfdReceiver extends FdReceiver {
  /** What it printed so far: "ready", then "DATA PID", then "exited". */
  output(): string;
}

export function pidfdReceiver(socket: string): Promise<PidfdReceiver> {
  return startFdReceiver('the pidfd receiver', RECEIVER, socket);
}
