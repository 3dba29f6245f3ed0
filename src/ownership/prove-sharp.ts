import type { ApiClient } from '../api/client.js';
import type { Contact } from '../api/contract.js';
import { proveOwnership, type Ownership } from './prove.js';

/**
 * The ownership proof, with the server clock sharpened first when a candidate
 * sits within the estimate's error of the departure (prove.ts 'unsure'), and,
 * before any calibration, after waiting up to the settle time for one (a job
 * that creates nothing, a rollback, has none to wait for).
 */
export async function proveOwnershipSharp(
  api: ApiClient,
  candidates: readonly Contact[],
  attemptAt: number | undefined,
  waitForCalibration = true,
): Promise<Exclude<Ownership, { kind: 'unsure' }>> {
  let first = proveOwnership(candidates, attemptAt, api.serverClock);
  if (first.kind === 'uncalibrated' && waitForCalibration) {
    // Other records' creates answer meanwhile and calibrate the clock; without one, the record stays in doubt.
    await api.serverClock.whenCalibrated(api.settleMs, api.stopSignal);
    first = proveOwnership(candidates, attemptAt, api.serverClock);
  }
  if (first.kind !== 'unsure') return first;
  await api.sharpenClock();
  return proveOwnership(candidates, attemptAt, api.serverClock, true) as Exclude<Ownership, { kind: 'unsure' }>;
}
