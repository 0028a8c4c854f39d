// Small servers for network tests, started by the test inside its own
// network namespace (nsenter --net=...): plain JavaScript, so node runs it
// without a loader.
//
//   node netns-server.mjs echo ADDRESS PORT         a TCP server that answers each line with "echo: LINE"
//   node netns-server.mjs dns ADDRESS PORT NAME IP  a UDP DNS server that answers NAME's A query with IP, NXDOMAIN otherwise
//
// It prints "ready" once it listens and runs until it is killed.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const [kind, address, portText, name, answer] = process.argv.slice(2);
const port = Number(portText);
const ready = () => process.stdout.write('ready\n');

if (kind === 'echo') {
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end >= 0) socket.end(`echo: ${buffered.slice(0, end)}\n`);
    });
    socket.on('error', () => {});
  });
  server.listen(port, address, ready);
} else if (kind === 'dns') {
  const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (query, peer) => socket.send(dnsAnswer(query, name, answer), peer.port, peer.address));
  socket.bind(port, address, ready);
} else {
  process.stderr.write(`unknown server ${kind}\n`);
  process.exit(2);
}

/** The reply to a one-question query: an A record for NAME, else NXDOMAIN. */
function dnsAnswer(query, wanted, ip) {
  let offset = 12;
  const labels = [];
  while (offset < query.length && query[offset] !== 0) {
    labels.push(query.subarray(offset + 1, offset + 1 + query[offset]).toString('ascii'));
    offset += 1 + query[offset];
  }
  const questionEnd = offset + 5;
  const type = query.readUInt16BE(offset + 1);
  const found = labels.join('.').toLowerCase() === wanted.toLowerCase() && type === 1;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(found ? 0x8180 : 0x8183, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(found ? 1 : 0, 6);
  const question = query.subarray(12, questionEnd);
  if (!found) return Buffer.concat([header, question]);
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0);
  record.writeUInt16BE(1, 2);
  record.writeUInt16BE(1, 4);
  record.writeUInt32BE(60, 6);
  record.writeUInt16BE(4, 10);
  ip.split('.').forEach((part, index) => record.writeUInt8(Number(part), 12 + index));
  return Buffer.concat([header, question, record]);
}
