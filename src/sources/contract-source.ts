/**
 * API contracts from OpenAPI documents (`--contract FILE`, `decoy validate --contract`, `decoy drift`):
 * each document read by the OpenAPI importer and compiled into a `Contract`, and the checker that the
 * stub sources are given.
 */
import { compileContract, type Contract } from '../core/contract/contract.js';
import { createContractChecker, type ContractChecker } from '../core/contract/check-stub.js';
import { importOpenApiDocument } from './importers/openapi.js';

/** Reads every document; one that cannot be read throws DECOY_ERR_OPENAPI_INVALID naming it. */
export async function loadContracts(files: readonly string[]): Promise<{ contracts: Contract[]; warnings: string[] }> {
  const contracts: Contract[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    // The check against the OpenAPI specification is left out: a contract is read to check stubs, not itself.
    const imported = await importOpenApiDocument(file, { documentName: file, validateRequests: true, contractOnly: true, deferConformance: true });
    warnings.push(...imported.warnings);
    contracts.push(compileContract(imported.contract!));
  }
  return { contracts, warnings };
}

export async function loadContractChecker(files: readonly string[], options: { strict?: boolean; warn?: (message: string) => void } = {}): Promise<{ checker: ContractChecker; warnings: string[] }> {
  const { contracts, warnings } = await loadContracts(files);
  return { checker: createContractChecker(contracts, options), warnings };
}
