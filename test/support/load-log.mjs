// `node --import ./load-log.mjs ...`: appends the URL of every module the process loads, one a line, to
// the file named by DECOY_LOAD_LOG (for tests of what the command loads before it serves): ES modules
// through the module hooks, CommonJS files (what the command loads with require on first use) as each
// is compiled.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./load-log-hooks.mjs', import.meta.url);

const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  appendFileSync(process.env.DECOY_LOAD_LOG, `${pathToFileURL(filename).href}\n`);
  return compile.call(this, content, filename);
};
