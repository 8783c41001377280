// Starts the real `tandem serve` ($TANDEM_BIN, default <repo>/target/debug/tandem) on port 0 with
// an embedded queue and SQLite store in a temporary directory, and learns its address from the
// "tandem is listening" JSON log line.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT } from './scripts.mjs';

export const REPO = join(PROJECT, '..', '..');
const STARTUP_DEADLINE_MS = 60000;

export function tandemBinary() {
  const binary = process.env.TANDEM_BIN || join(REPO, 'target', 'debug', 'tandem');
  if (!existsSync(binary)) {
    throw new Error(`no tandem binary at ${binary}: run cargo build --bin tandem, or set TANDEM_BIN`);
  }
  return binary;
}

/** Starts tandem accepting NetSuite events signed with `webhookSecret` (a whsec_ secret). */
export async function startTandem({ webhookSecret }) {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-netsuite-test-'));
  const config = join(dir, 'tandem.toml');
  writeFileSync(config, [
    '[server]',
    'listen = "127.0.0.1:0"',
    'shutdown_grace = "5s"',
    '[queue]',
    `path = ${JSON.stringify(join(dir, 'queue.db'))}`,
    '[store]',
    `url = ${JSON.stringify(`sqlite://${join(dir, 'store.db')}`)}`,
    '[netsuite]',
    `webhook_secrets = [${JSON.stringify(webhookSecret)}]`,
    '[sync]',
    `mapping = ${JSON.stringify(join(REPO, 'mapping.toml'))}`,
    '',
  ].join('\n'));
  // RUST_LOG would override the log level; the listening line is read at the default one.
  const env = { ...process.env, TANDEM_SERVER__LOG_FORMAT: 'json' };
  delete env.RUST_LOG;
  const child = spawn(tandemBinary(), ['serve', '--config', config], {
    cwd: dir,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stderr });
  const seen = [];
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tandem did not log its address within 60 s:\n${seen.join('\n')}`)), STARTUP_DEADLINE_MS);
    exited.then((code) => reject(new Error(`tandem exited (${code}) before listening:\n${seen.join('\n')}`)));
    lines.on('line', (line) => {
      seen.push(line);
      let entry = {};
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      const fields = entry.fields || {};
      const message = entry.message || fields.message || '';
      if (message.includes('tandem is listening')) {
        clearTimeout(timer);
        resolve(entry.address || fields.address);
      }
    });
  });
  return {
    url: (path) => `http://${address}${path}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
