import type { Contact } from '../api/contract.js';
import { JOURNAL_FORMAT } from '../state/private-files.js';
import type { Base } from '../sync/base.js';
import type { Conflict } from '../sync/three-way.js';
import type { Drift } from '../sync/drift.js';

/**
 * The journal's format. Its first line is a header with a format version; a
 * reader refuses a version it does not know rather than guessing. Keys are
 * short because a million-record job writes a few million lines. The format
 * tag is the state directory's (it marks a folder as the tool's).
 */
/**
 * 3: events named for what happened: a record is `done` with its relation to
 * the job (`rel`), a later PATCH is `patched` with its reason, and a failure's
 * body hash is `h` as a done record's is. Versions 1 and 2 are read through
 * codec.ts, which gives their events these names; a journal one of them began
 * keeps its header, and this version's events follow its older ones.
 *
 * 2: a contact's state before the job's first PATCH, and a rollback's
 * outcomes, are journal events (prior, rolledBack). A journal of version 1 is
 * read as it is, with the prior.jsonl and rollback.jsonl its job kept beside
 * it (ownership/prior-states.ts, rollback/rollback-state.ts).
 */
export const JOURNAL_VERSION = 3;
/** The versions this program reads. */
export const JOURNAL_VERSIONS_READ: readonly number[] = [1, 2, 3];

export interface JournalHeader {
  readonly t: 'header';
  readonly format: typeof JOURNAL_FORMAT;
  readonly version: number;
  readonly mappingHash: string;
  readonly baseUrl: string;
  /** Which key the job was started with (journal/target.ts): a fingerprint, never the key. */
  readonly keyFingerprint?: string;
  /** The job's own salt of its key fingerprints (absent in journals of earlier versions: a constant one). */
  readonly keySalt?: string;
  /** How records got their externalId (journal/external-id-check.ts): a change would make every record new. */
  readonly externalIdDefinition?: string;
  /** The source the job gives its contacts (journal/external-id-check.ts describeSource): with the externalId, a contact's identity. */
  readonly sourceDefinition?: string;
  readonly createdAt: string;
}

/** About to send a create (or, with `op`, an update) for this externalId. */
export interface AttemptEvent {
  readonly t: 'attempt';
  readonly id: string;
  readonly line: number;
  /** When it left (epoch ms): a record left in doubt is looked up only once the server can no longer be working on it. */
  readonly at?: number;
  /**
   * 'update': a PATCH (of a contact the workspace had before this job, or a
   * sync of a changed record). Left in doubt, it must not be taken for a create
   * of ours when a lookup finds the contact.
   */
  readonly op?: 'update';
}
/**
 * The record is done: it has a contact, and `rel` says what the job is to it
 * (ownership/created-by-job.ts reads it, nothing else):
 * - 'created': this job made it (a 201 to its POST, or proven by ownership/prove.ts);
 * - 'existing': the workspace had it before the job, and the job left it alone;
 * - 'updated': the workspace had it, and the job PATCHed it (its state before is a prior event);
 * - 'adopted': the workspace had it without an externalId, and the job gave it this one (a prior event too).
 * (Versions 1 and 2 wrote it as `created`, with `how` for all but the first: codec.ts reads them so.)
 */
export interface DoneEvent {
  readonly t: 'done';
  readonly id: string;
  readonly cid: string;
  readonly line: number;
  readonly rel: Relation;
  /** The hash of the record's body the workspace got (plan.ts bodyHash): a rerun sends only changed records. Absent in journals of older versions. */
  readonly h?: string;
  /** The contact's updatedAt after the job's write: a rollback restores only a contact nobody changed since. */
  readonly up?: string;
}
/**
 * A later run PATCHed the record's contact again; its relation to the job is
 * as before. `why`: 'sync', a changed record (three-way, sync/three-way.ts);
 * 'drift', run --verify wrote back what the app changed (sync/drift.ts).
 * (Versions 1 and 2 wrote it as `updated`, the reason told by `dr`.)
 */
export interface PatchedEvent {
  readonly t: 'patched';
  readonly id: string;
  readonly cid: string;
  readonly line: number;
  readonly why: 'sync' | 'drift';
  readonly h: string;
  /** Absent when the PATCH wrote nothing (the workspace kept its values): the job's last updatedAt is the write's before. */
  readonly up?: string;
  /** The fields both the source and the workspace changed since the last base (sync/three-way.ts): conflicts.csv is their view. */
  readonly cf?: readonly Conflict[];
  /** The drifted fields written back. */
  readonly dr?: readonly Drift[];
}
/** The record failed; `retryable` ones are tried again on the next run, permanent ones only if the payload changed. */
export interface FailedEvent {
  readonly t: 'failed';
  readonly id: string;
  readonly line: number;
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  /** Hash of the request body that failed (plan.ts bodyHash, as a done event's): a rerun with a fixed record sends it again. Versions 1 and 2 called it `body`. */
  readonly h: string;
  /** The last attempt's outcome was unknown and could not be checked: look it up before sending again. */
  readonly doubt?: boolean;
  /** Refused in a streak that stopped the job (a job-wide refusal): the same refusal of the same body on a rerun is the record's own. */
  readonly trip?: boolean;
}
/** --delete-missing: the record left the source, and its contact was deleted (or found gone). The record is new again if it comes back. */
export interface DeletedEvent {
  readonly t: 'deleted';
  readonly id: string;
  readonly cid: string;
}
/** --delete-missing: the record left the source, and the contact the job had adopted was given back as it was before (its externalId removed). No longer the job's. */
export interface ReleasedEvent {
  readonly t: 'released';
  readonly id: string;
  readonly cid: string;
}
/** run --verify found the record's contact no longer as the job wrote it, and left it (update.conflicts "workspace"). */
export interface DriftEvent {
  readonly t: 'drift';
  readonly id: string;
  readonly cid: string;
  readonly dr: readonly Drift[];
}
/**
 * What the job wrote (sync/base.ts), the base of the record's next three-way
 * sync: always the line right after that record's done or patched line (one
 * append, so nothing comes between). A line of its own, so that replay can pass
 * it over by its first bytes, unparsed, and keep only where it is
 * (journal/replay.ts, journal/line-reader.ts).
 */
export interface BaseEvent {
  readonly t: 'base';
  readonly b: Base;
}
/** The first bytes of every base line as the writer writes it (JSON.stringify keeps key order). */
export const BASE_LINE_PREFIX = '{"t":"base",';
/** A person's decision on a record review.csv listed (job/review-decisions.ts): carried out by this and every later run until the record is done. */
export interface DecisionEvent {
  readonly t: 'decision';
  readonly id: string;
  readonly d: ReviewDecision['kind'];
  /** The contact to adopt. */
  readonly cid?: string;
}
export type ReviewDecision =
  { readonly kind: 'adopt'; readonly contactId: string } | { readonly kind: 'create' } | { readonly kind: 'skip' };
/** A lookup after an unknown outcome found no contact: the attempt did not create one. */
export interface NotFoundEvent {
  readonly t: 'absent';
  readonly id: string;
}
export interface RunEvent {
  readonly t: 'run';
  readonly event: 'start' | 'end';
  readonly at: string;
  readonly pid: number;
  readonly exitCode?: number;
  readonly input?: string;
  /** At a run's start: its input is one of the tool's own reports (failures or review.csv, known by its columns), not an export, whatever its name. */
  readonly report?: true;
  readonly counts?: Record<string, number>;
  /** At a run's end: why it stopped before the end of its input, or aborted, and what to do. */
  readonly stopped?: string;
  readonly aborted?: string;
  readonly hint?: string;
  /** At a run's end: its failed and duplicate records by their first code (failures.csv's rows). */
  readonly failedBy?: Record<string, number>;
  /** At a run's end, with --delete-missing: the contacts it deleted, and those it released (adopted ones given back). */
  readonly deleted?: number;
  readonly released?: number;
  /** At a run's end: the journal's size that created.csv covers (report/created-report.ts continues from it). */
  readonly createdThrough?: number;
}

/** The job now talks to this API with this key (--same-workspace after a key rotation). */
export interface TargetEvent {
  readonly t: 'target';
  readonly baseUrl: string;
  readonly keyFingerprint: string;
  readonly at: string;
}

/**
 * The offset of the clock that stamps contacts (server − local, ms), as the
 * job's own writes measured it (api/server-clock.ts): a later run that must
 * prove an earlier attempt's contact ours before it has written anything
 * (a resume, a rollback) starts from it.
 */
export interface ClockEvent {
  readonly t: 'clock';
  readonly lo: number;
  readonly hi: number;
  readonly at: string;
}

/**
 * What identifies the job's contacts, as later runs compare it
 * (journal/external-id-check.ts): the externalId's definition, after a change
 * that changed no finished record's id; the source, where the header of an
 * older version did not say it.
 */
export interface IdentityEvent {
  readonly t: 'identity';
  readonly definition?: string;
  readonly source?: string;
  readonly at: string;
}

/**
 * A contact of the workspace as it was before the job's first PATCH of it
 * (an update or an adoption): what a rollback restores and --delete-missing
 * gives back. Appended before that PATCH's attempt, whose durable write puts
 * it on disk first. Only the first of a contact counts. (prior.jsonl before.)
 */
export interface PriorEvent {
  readonly t: 'prior';
  readonly id: string;
  readonly cid: string;
  readonly c: Contact;
}

/** What a rollback did to a contact, final: the next rollback skips it, status counts it. (rollback.jsonl before.) */
export type RollbackOutcome = 'deleted' | 'restored' | 'recreated' | 'gone' | 'changedSince';
export const ROLLBACK_OUTCOMES: readonly RollbackOutcome[] = [
  'deleted',
  'restored',
  'recreated',
  'gone',
  'changedSince',
];
export interface RolledBackEvent {
  readonly t: 'rolledBack';
  readonly id: string;
  readonly cid: string;
  readonly how: RollbackOutcome;
  readonly at: string;
}

export type JournalEvent =
  | PriorEvent
  | RolledBackEvent
  | BaseEvent
  | IdentityEvent
  | DriftEvent
  | DecisionEvent
  | AttemptEvent
  | DoneEvent
  | PatchedEvent
  | DeletedEvent
  | ReleasedEvent
  | FailedEvent
  | NotFoundEvent
  | RunEvent
  | TargetEvent
  | ClockEvent;

/**
 * What the job is to a record's contact, as a done event's `rel` says
 * (ownership/created-by-job.ts owns "created by this job" on top of it):
 * - 'created': this job made it (a 201, or proven after a lost answer: ownership/prove.ts);
 * - 'existing': the workspace had it; the job left it alone;
 * - 'updated': the workspace had it; the job PATCHed it (its state before is a prior event);
 * - 'adopted': the workspace had it without an externalId; the job gave it this one (a prior event too).
 */
export type Relation = 'created' | 'existing' | 'updated' | 'adopted';
