// A tiny AMD loader for the SuiteScript files: runs a file's `define`, feeding `N/...` modules
// from the given stubs and `./sibling` modules from the same folder (loaded the same way).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function loadAmd(file, modules, cache = new Map()) {
  if (cache.has(file)) {
    return cache.get(file);
  }
  let definition = null;
  const define = (deps, factory) => {
    definition = { deps, factory };
  };
  new Function('define', readFileSync(file, 'utf8'))(define);
  if (!definition) {
    throw new Error(`${file} does not call define`);
  }
  const resolved = definition.deps.map((dep) => {
    if (dep.startsWith('./')) {
      return loadAmd(join(dirname(file), `${dep.slice(2)}.js`), modules, cache);
    }
    if (!(dep in modules)) {
      throw new Error(`${file} needs ${dep}, which has no stub`);
    }
    return modules[dep];
  });
  const value = definition.factory(...resolved);
  cache.set(file, value);
  return value;
}
