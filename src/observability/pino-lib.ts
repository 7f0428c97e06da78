/**
 * pino, loaded on first use: by the JSON log format, and by the pretty format only for a call it does
 * not write itself (logger.ts). Loaded with require, as yaml-lib.ts loads `yaml`, so that creating a
 * logger stays synchronous.
 */
import { createRequire } from 'node:module';

export type PinoLib = typeof import('pino').pino;

let lib: PinoLib | undefined;

export function pinoLib(): PinoLib {
  return (lib ??= (createRequire(import.meta.url)('pino') as { pino: PinoLib }).pino);
}
