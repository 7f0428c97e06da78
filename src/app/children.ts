/**
 * The services beside the main one: those declared in the options (`--service`), then those whose
 * subfolder of the main stubs folder holds a service file. Each gets the main one's settings that it
 * does not set itself.
 */
import { checkServiceNames, discoverServices } from '../sources/service-file.js';
import { childOptions } from './config.js';
import type { DecoyOptions, ServiceOptions } from './options.js';
import type { Decoy } from './decoy.js';

/**
 * Creates (but does not start) the services of the main one, each added to `created` as soon as it
 * exists (so that a failure half-way leaves nothing unaccounted for), and returns their stubs folders,
 * which the main service's folder leaves out. `create` builds a service from its options; `stopAll`
 * stops the whole process (what `POST /__admin/shutdown` on any of them does).
 */
export async function createChildren(main: { options: DecoyOptions; name: string; metrics: NonNullable<DecoyOptions['metrics']> },
  stopAll: () => void, create: (options: DecoyOptions) => Decoy, created: Decoy[]): Promise<string[]> {
  const { options } = main;
  const defs: ServiceOptions[] = [...(options.services ?? [])];
  if (options.stubsDir !== undefined && options.discoverServices !== false) defs.push(...await discoverServices(options.stubsDir));
  checkServiceNames(defs, main.name);
  const shared = { metrics: main.metrics, onShutdownRequest: options.onShutdownRequest ?? stopAll };
  for (const def of defs) created.push(create(childOptions(options, def, shared)));
  return defs.map((d) => d.stubsDir);
}
