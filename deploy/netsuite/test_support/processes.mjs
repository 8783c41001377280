// Child processes the tests talk to, and waiting on what they print (with a deadline).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Resolves with the first stdout line matching `pattern` (its match), within `ms`. */
export function lineMatching(lines, pattern, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${ms} ms`)), ms);
    const listener = (line) => {
      const match = line.match(pattern);
      if (match) {
        clearTimeout(timer);
        lines.off('line', listener);
        resolve(match);
      }
    };
    lines.on('line', listener);
  });
}

/** Starts the 503-answering proxy in front of `target`; {url(path), forward(), stop()}. */
export async function startUnavailableProxy(target) {
  const child = spawn(process.execPath, [join(HERE, 'unavailable_proxy.mjs'), target], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout });
  const [, port] = await lineMatching(lines, /^listening (\d+)$/);
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    async forward() {
      const forwarding = lineMatching(lines, /^forwarding$/);
      child.kill('SIGUSR2');
      await forwarding;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
