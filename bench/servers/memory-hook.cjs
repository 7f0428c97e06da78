// Preloaded into a server under test by the bench's memory part (node --expose-gc -r bench/servers/memory-hook.cjs ...):
// on SIGUSR2 prints "MEM <json>" on stdout: process.memoryUsage() after full garbage collections. It loads nothing
// else and allocates nothing until asked, so the server's own figures are what is measured.
'use strict';
process.on('SIGUSR2', () => {
  if (typeof globalThis.gc === 'function') for (let i = 0; i < 4; i++) globalThis.gc();
  process.stdout.write(`MEM ${JSON.stringify(process.memoryUsage())}\n`);
});
