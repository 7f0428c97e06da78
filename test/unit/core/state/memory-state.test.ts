import { MemoryState } from '../../../../src/core/state/memory-state.js';
import { stateContract } from './state-contract.js';

stateContract('in memory', async ({ journalSize, now }) => new MemoryState({ journalSize, now }));
