/**
 * The journal's format. Its first line is a header with a format version; a
 * reader refuses a version it does not know rather than guessing. Keys are
 * short because a million-record job writes a few million lines.
 */
export const JOURNAL_FORMAT = 'openphone-import-journal';
export const JOURNAL_VERSION = 1;

export interface JournalHeader {
  readonly t: 'header';
  readonly format: typeof JOURNAL_FORMAT;
  readonly version: number;
  readonly mappingHash: string;
  readonly baseUrl: string;
  /** Which key the job was started with (journal/target.ts): a fingerprint, never the key. */
  readonly keyFingerprint?: string;
  /** How records got their externalId (journal/external-id-check.ts): a change would make every record new. */
  readonly externalIdDefinition?: string;
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
   * 'update': a PATCH of a contact the workspace had before this job. Left in
   * doubt, it must not be taken for a create of ours when a lookup finds the contact.
   */
  readonly op?: 'update';
}
/** The record is done: its contact was made by this job (or found by a lookup after an unknown outcome). */
export interface CreatedEvent {
  readonly t: 'created';
  readonly id: string;
  readonly cid: string;
  readonly line: number;
  /** With --on-existing: the contact existed before this job and was left alone, or was updated. */
  readonly how?: 'existing' | 'updated';
}
/** The record failed; `retryable` ones are tried again on the next run, permanent ones only if the payload changed. */
export interface FailedEvent {
  readonly t: 'failed';
  readonly id: string;
  readonly line: number;
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  /** Hash of the request body that failed: a rerun with a fixed record sends it again. */
  readonly body: string;
  /** The last attempt's outcome was unknown and could not be checked: look it up before sending again. */
  readonly doubt?: boolean;
}
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
  readonly counts?: Record<string, number>;
}

/** The job now talks to this API with this key (--same-workspace after a key rotation). */
export interface TargetEvent {
  readonly t: 'target';
  readonly baseUrl: string;
  readonly keyFingerprint: string;
  readonly at: string;
}

export type JournalEvent = AttemptEvent | CreatedEvent | FailedEvent | NotFoundEvent | RunEvent | TargetEvent;
