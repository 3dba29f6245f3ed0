import { DoneRecords } from './done-records.js';
import type { Target } from './target.js';
import type { JournalHeader, ReviewDecision, RollbackOutcome, RunEvent } from './events.js';

/**
 * What the journal says of a job, folded: the one answer every reader asks
 * (the import, the dry run, status, rollback). journal/replay.ts folds the
 * lines; journal/checkpoint.ts saves a fold and reads it back.
 */

export interface PastFailure {
  readonly retryable: boolean;
  readonly body: string;
  readonly code: string;
  readonly message: string;
  /** Refused in a streak that stopped the job (see FailedEvent.trip). */
  readonly trip?: boolean;
}

/** What earlier runs did, rebuilt from the journal alone. */
export interface ResumeState {
  readonly header: JournalHeader | undefined;
  /** The API and key the job belongs to: the header's, or the last target event's. */
  readonly target: Target | undefined;
  /** Records finished by earlier runs: what the job is to each one's contact, and the hash of the body it last sent. */
  readonly done: DoneRecords;
  /** Attempted with no outcome recorded (value: its line): the contact may or may not exist. */
  readonly inDoubt: Map<string, number>;
  /** Of those, when the first open attempt left (epoch ms), where the journal says. */
  readonly attemptedAt: Map<string, number>;
  /** Of those, the ones whose open attempt was an update of a contact made before this job (not ours to count as created). */
  readonly updatesInDoubt: Set<string>;
  readonly failed: Map<string, PastFailure>;
  /** A person's decisions on records review.csv listed, by externalId (the last word each): few, held as they are. */
  readonly decisions: Map<string, ReviewDecision>;
  readonly runs: RunEvent[];
  /** Over the job's history (status): conflicts a sync met, drifted fields --verify found, contacts released and deleted by --delete-missing. */
  readonly tally: { conflicts: number; drift: number; released: number; deleted: number };
  /** Records whose adopted or updated contact a delete of an earlier version removed (this one releases them): a rollback makes them again. */
  readonly removed: RemovedRecord[];
  /** What a rollback did to each contact it is done with (the last word per contact id); empty for a job never rolled back. */
  readonly rolledBack: Map<string, RollbackOutcome>;
  /** How records get their externalId, as the job last recorded it (the header's, or a later identity event's). */
  readonly idDefinition: string | undefined;
  /** The source the job gives its contacts, as it last recorded it; undefined for a journal of a version that did not say. */
  readonly sourceDefinition: string | undefined;
  /** The last calibration of the contacts' clock an earlier run measured (events.ts ClockEvent). */
  readonly clock: { readonly lo: number; readonly hi: number } | undefined;
  readonly events: number;
  /** Bytes cut off a torn last line, 0 when the journal ended cleanly. */
  readonly repairedBytes: number;
  /** Where the fold stopped: the journal's size, its lines, and the record whose write came last (a base line may follow). */
  readonly position: ReplayPosition;
  /** The byte the last replay read from: 0 for the whole journal, else where a checkpoint left off. */
  readonly replayedFrom: number;
}

/** A record --delete-missing of an earlier version deleted the workspace's contact of: where its lines are. */
export interface RemovedRecord {
  readonly externalId: string;
  readonly relation: 'adopted' | 'updated';
  readonly writeAt: number;
  readonly leftAtLine: number;
}

export interface ReplayPosition {
  readonly bytes: number;
  readonly lines: number;
  readonly lastWrite: string | undefined;
}

export type MutableState = { -readonly [K in keyof ResumeState]: ResumeState[K] };

/** The fold of a journal with no line read yet. */
export function emptyState(): MutableState {
  return {
    header: undefined,
    target: undefined,
    done: new DoneRecords(),
    inDoubt: new Map<string, number>(),
    attemptedAt: new Map<string, number>(),
    updatesInDoubt: new Set<string>(),
    failed: new Map<string, PastFailure>(),
    decisions: new Map<string, ReviewDecision>(),
    runs: [],
    tally: { conflicts: 0, drift: 0, released: 0, deleted: 0 },
    rolledBack: new Map(),
    removed: [],
    clock: undefined,
    idDefinition: undefined,
    sourceDefinition: undefined,
    events: 0,
    repairedBytes: 0,
    position: { bytes: 0, lines: 0, lastWrite: undefined },
    replayedFrom: 0,
  };
}
