/**
 * `decoy init [DIR]`: a stubs folder to start from, with one commented example of each main feature
 * (a matched stub, a template, a fault, a sequence, a generated body), and what to do next.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DecoyError } from '../core/errors.js';

/** The example files, shipped in the package beside `dist/`. */
export const INIT_TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/init');

export interface InitResult {
  dir: string;
  written: string[];
}

/**
 * Writes the example stub files into `dir` (created if missing). Refuses, writing nothing, when any of them
 * exists already: a user's own stubs are never overwritten.
 */
export function initStubs(dir: string): InitResult {
  const names = readdirSync(INIT_TEMPLATES).filter((f) => f.endsWith('.yaml')).sort();
  const target = path.resolve(dir);
  if (existsSync(target) && !statSync(target).isDirectory()) throw new DecoyError('DECOY_ERR_STUBS_DIR', `${dir} is a file, not a folder: nothing was written`, { hint: 'give a new or existing folder: decoy init DIR' });
  const taken = names.filter((n) => existsSync(path.join(target, n)));
  if (taken.length) {
    throw new DecoyError('DECOY_ERR_INIT_EXISTS', `${dir} already has ${taken.join(', ')}: nothing was written`, {
      hint: `decoy init never overwrites files; pick another folder (decoy init DIR) or move ${taken.length === 1 ? 'that file' : 'those files'} away`,
    });
  }
  mkdirSync(target, { recursive: true });
  for (const n of names) copyFileSync(path.join(INIT_TEMPLATES, n), path.join(target, n));
  return { dir, written: names };
}

/** What to run next, for the examples just written into `dir`. */
export function nextSteps(result: InitResult): string {
  const stubs = /\s/.test(result.dir) ? JSON.stringify(result.dir) : result.dir;
  const steps: Array<[string, string]> = [
    [`npx decoy --stubs ${stubs}`, 'serve them on http://localhost:8080 (an edit reloads at once)'],
    ['curl -H "Accept: application/json" localhost:8080/users/1', 'a matched stub'],
    ['curl -i localhost:8080/inventory', 'a fault: 503 first, then slow 200s'],
    ['curl -i -X POST localhost:8080/payments', 'a sequence: 503, 503, then 201'],
    ['open http://localhost:8080/__admin/ui/', 'the web UI: stubs, live requests, chaos'],
  ];
  const width = Math.max(...steps.map(([c]) => c.length));
  return [
    `Wrote ${result.written.length} example stub files to ${result.dir}: ${result.written.join(', ')}`,
    '',
    'Next:',
    ...steps.map(([c, what]) => `  ${c.padEnd(width)}   # ${what}`),
    '',
    'Each file says what it shows and how to try it. Edit them, or delete them and write your own.',
  ].join('\n');
}
