// Performs one HTTP POST for the N/https stub, in its own process so that the script under test
// can call it synchronously (as SuiteScript's https.post is). Reads {url, headers, body,
// timeoutMs} on stdin; prints {code, headers, body} or {error: {name, message}}.
import { readFileSync } from 'node:fs';

const request = JSON.parse(readFileSync(0, 'utf8'));
try {
  const response = await fetch(request.url, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  const headers = Object.fromEntries(response.headers.entries());
  process.stdout.write(JSON.stringify({ code: response.status, headers, body: await response.text() }));
} catch (error) {
  const name = error.name === 'TimeoutError' ? 'SSS_REQUEST_TIME_EXCEEDED' : 'SSS_CONNECTION_FAILED';
  process.stdout.write(JSON.stringify({ error: { name, message: String(error.cause?.message || error.message) } }));
}
