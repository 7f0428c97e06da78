// Preloaded into the CLI by the memory test (NODE_OPTIONS="--require <this file>"): on SIGUSR2 prints
// "HEAP-SPACES <json>" on stdout, V8's heap spaces (name, size committed, size used), then collects all
// garbage and prints "HEAP-SPACES-AFTER-GC <json>", the same after a full collection. Allocates nothing
// until asked.
'use strict';
const v8 = require('node:v8');
const vm = require('node:vm');
const spaces = () => JSON.stringify(v8.getHeapSpaceStatistics().map((s) => ({ name: s.space_name, size: s.space_size, used: s.space_used_size })));
process.on('SIGUSR2', () => {
  process.stdout.write(`HEAP-SPACES ${spaces()}\n`);
  // V8 hands its gc function to contexts made while --expose-gc is set.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  v8.setFlagsFromString('--no-expose-gc');
  gc();
  process.stdout.write(`HEAP-SPACES-AFTER-GC ${spaces()}\n`);
});
