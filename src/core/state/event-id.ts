/**
 * Ids of serve events: UUIDs in the version 4 layout (WireMock's clients read a request's id as a UUID), made
 * of a random part drawn once per process (74 random bits: the ids of replicas sharing a journal do not
 * meet) and a counter in the last twelve hex digits.
 *
 * Why not randomUUID() for each: a replica with a shared journal needs every event's id, and a random UUID per
 * event cost it more in garbage collection than writing the event to the store did (randomUUID refills a
 * buffer of random bytes outside the heap); a counter costs one short string.
 *
 * An event is numbered (0, 1, 2, ... in this process) and its id is made from its number only when asked for:
 * the journal keeps the number in a typed array, so a journaled request keeps no id string, and the number
 * stays a small integer (no boxed double per event) for the first billion events.
 */
import { randomUUID } from 'node:crypto';

const prefix = randomUUID().slice(0, 24);
/** Where this process's counter starts (the last twelve hex digits of the first id). */
const start = Number.parseInt(randomUUID().slice(24, 36), 16);
const WRAP = 2 ** 48;
let next = 0;

/** A new event number. */
export function nextEventNumber(): number {
  return next++;
}

/** The id of the event numbered `n` in this process. */
export function eventIdOf(n: number): string {
  return prefix + ((start + 1 + n) % WRAP).toString(16).padStart(12, '0');
}

/** The number of the event of this process with id `id`, or -1 for an id this process did not make. */
export function eventNumberOf(id: string): number {
  if (id.length !== 36 || !id.startsWith(prefix)) return -1;
  const counter = Number.parseInt(id.slice(24), 16);
  if (!(counter >= 0) || eventIdOf((counter - start - 1 + WRAP) % WRAP) !== id) return -1;
  return (counter - start - 1 + WRAP) % WRAP;
}
