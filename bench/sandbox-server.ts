import { createServer } from 'node:http';
import { startSandbox } from '../src/sandbox/server.js';

// Child process for bench:sandbox: `sandbox` (no latency, no limit) or `bare`
// (a plain node:http server answering 201 with a fixed body: the ceiling).
const mode = process.argv[2];
if (mode === 'bare') {
  const body = JSON.stringify({ data: { id: 'CT1' } });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(body));
  }).listen(0, '127.0.0.1', () => {
    const a = server.address() as { port: number };
    console.log(JSON.stringify({ url: `http://127.0.0.1:${a.port}`, apiKey: 'k' }));
  });
} else {
  const sb = await startSandbox({ rate: 0, apiKeys: ['k'] });
  console.log(JSON.stringify({ url: sb.url, apiKey: sb.apiKey }));
}
