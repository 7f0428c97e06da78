// `node --import ./load-log.mjs ...`: appends the URL of every ES module the process loads, one a line, to
// the file named by DECOY_LOAD_LOG (for tests of what the command loads before it serves).
import { register } from 'node:module';

register('./load-log-hooks.mjs', import.meta.url);
