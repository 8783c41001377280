// A stand-in for tandem being down, run as its own process: answers every request with 503
// until it gets SIGUSR2, then forwards requests to the URL given as its argument and relays the
// answers. Prints "listening <port>" at start and "forwarding" once it forwards.
import { createServer } from 'node:http';

const target = process.argv[2];
let forwarding = false;

const server = createServer(async (request, response) => {
  const chunks = [];
  for await (const chunk of request) {
    chunks.push(chunk);
  }
  if (!forwarding) {
    response.writeHead(503, { 'content-type': 'application/json' });
    response.end('{"error":"unavailable","message":"tandem is down"}');
    return;
  }
  const headers = { ...request.headers };
  delete headers.host;
  delete headers['content-length'];
  const answer = await fetch(`${target}${request.url}`, { method: request.method, headers, body: Buffer.concat(chunks) });
  response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') || 'text/plain' });
  response.end(await answer.text());
});

process.on('SIGUSR2', () => {
  forwarding = true;
  process.stdout.write('forwarding\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
