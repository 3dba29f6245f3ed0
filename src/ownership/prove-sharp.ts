import type { ApiClient } from '../api/client.js';
import type { Contact } from '../api/contract.js';
import { proveOwnership, type Ownership } from './prove.js';

/**
 * The ownership proof, with the server clock sharpened first when a candidate
 * sits within the estimate's error of the departure (prove.ts 'unsure').
 */
export async function proveOwnershipSharp(api: ApiClient, candidates: readonly Contact[], attemptAt: number | undefined): Promise<Exclude<Ownership, { kind: 'unsure' }>> {
  const first = proveOwnership(candidates, attemptAt, api.serverClock);
  if (first.kind !== 'unsure') return first;
  await api.sharpenClock();
  return proveOwnership(candidates, attemptAt, api.serverClock, true) as Exclude<Ownership, { kind: 'unsure' }>;
}
