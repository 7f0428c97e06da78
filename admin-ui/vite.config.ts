import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built into the package beside the compiled server, and served by it at /__admin/ui/.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/__admin/ui/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/admin-ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Everything is served by Decoy itself: no CDN, no inline-size surprises.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
