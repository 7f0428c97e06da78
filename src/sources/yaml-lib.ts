/**
 * The `yaml` library, loaded on first use. It finds lines and columns (for messages), reads the YAML
 * that js-yaml refuses or might read differently, reads service files and edits YAML files in place;
 * a start on stub files that load cleanly needs none of that, and importing it at start meant some 250 KB
 * of code to compile and run (docs/reference/performance.md#ready-spawn-to-the-first-served-request).
 * Loaded with require, as the other libraries needed only by some stubs are, so that callers stay synchronous.
 */
import { createRequire } from 'node:module';

export type YamlLib = typeof import('yaml');

let lib: YamlLib | undefined;

export function yamlLib(): YamlLib {
  return (lib ??= createRequire(import.meta.url)('yaml') as YamlLib);
}
