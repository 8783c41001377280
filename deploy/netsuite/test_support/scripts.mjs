// Loads the shipped SuiteScript files against a fresh set of stubs.
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { loadAmd } from './amd.mjs';
import { netsuite } from './netsuite_stubs.mjs';

export const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCRIPTS = join(PROJECT, 'src', 'FileCabinet', 'SuiteScripts', 'tandem');
export const OBJECTS = join(PROJECT, 'src', 'Objects');

/** {ns: {modules, state}, load(name)} — every module loaded shares the stubs and one cache. */
export function suiteScripts(initial) {
  const ns = netsuite(initial);
  const cache = new Map();
  return { ns, load: (name) => loadAmd(join(SCRIPTS, `${name}.js`), ns.modules, cache) };
}
