/**
 * Reads the JSON file an importer was given, with a message that tells a missing file from one that
 * is not JSON.
 */
import { readFile } from 'node:fs/promises';
import { DecoyError } from '../../core/errors.js';

/** `what` names the expected kind of file in messages ("a HAR file", "a Pact file"). */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new DecoyError('DECOY_ERR_IMPORT_INVALID', `cannot read ${file}: ${reason}`, { source: { file } });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DecoyError('DECOY_ERR_IMPORT_INVALID', `${file} is not ${what}: ${(e as Error).message}`, { source: { file } });
  }
}
