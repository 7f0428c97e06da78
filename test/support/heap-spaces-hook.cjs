// Preloaded into the CLI by the memory test (NODE_OPTIONS="--require <this file>"): on SIGUSR2 prints
// "HEAP-SPACES <json>" on stdout, V8's heap spaces (name, size committed, size used). Allocates nothing until asked.
'use strict';
const v8 = require('node:v8');
process.on('SIGUSR2', () => {
  const spaces = v8.getHeapSpaceStatistics().map((s) => ({ name: s.space_name, size: s.space_size, used: s.space_used_size }));
  process.stdout.write(`HEAP-SPACES ${JSON.stringify(spaces)}\n`);
});
