// Module hooks (they run on a thread of their own): each module's URL as it is loaded.
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  appendFileSync(process.env.DECOY_LOAD_LOG, `${url}\n`);
  return nextLoad(url, context);
}
