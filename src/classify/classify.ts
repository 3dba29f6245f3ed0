import type { OwnerLookup } from '../mapping/map-record.js';
import type { ContactRequest } from '../api/contract.js';
import type { ResolvedConfig } from '../config/resolved.js';
import type { HeaderIndex } from '../csv/header.js';
import type { IgnoredLine, TableItem } from '../input/table.js';
import { ProblemCode, type Problem } from '../mapping/problem.js';
import { IdSet } from '../util/id-set.js';
import { RecordMapper } from './record-mapper.js';
import { type MappedItem } from '../mapping/map-record.js';

export interface ValidRecord {
  readonly kind: 'valid';
  readonly line: number;
  readonly externalId: string;
  readonly payload: ContactRequest;
  readonly fields: readonly string[];
  /** Values left out of the payload, with why (see MappedItem.dropped). */
  readonly dropped?: readonly Problem[];
  /**
   * A failure report's row that failed as a second record of its externalId
   * (DUPLICATE_EXTERNAL_ID in `_error_code`): rerun alone, it must not change
   * the contact the first record made (job/plan.ts).
   */
  readonly failedAsDuplicate?: true;
}

export interface RejectedRecord {
  readonly kind: 'rejected';
  readonly bucket: 'failed' | 'duplicate';
  readonly line: number;
  readonly externalId?: string;
  readonly fields: readonly string[];
  readonly raw?: string;
  readonly problems: readonly Problem[];
}

export type Classified = ValidRecord | RejectedRecord | IgnoredLine;

/**
 * Turns each CSV item into a valid payload or a rejection with every problem.
 * Holds the externalIds seen so far: the one piece of state, so a second record
 * with an id already in this input is caught before anything is sent. The
 * mapping itself is a RecordMapper's (pure); `decide` applies the duplicate
 * check in file order.
 */
export class Classifier {
  private seenIds: IdSet | undefined;
  private readonly mapper: RecordMapper;
  /** Records that could not be read (malformed CSV): their externalId is unknown, so --delete-missing cannot know they are still there. */
  unreadable = 0;

  /**
   * `expectedRecords`: the reader's estimate of the records in the file, asked
   * when the first id is stored: the id set reaches that size in three
   * doublings and grows past it only if more come (see IdSet).
   */
  constructor(
    config: ResolvedConfig,
    private readonly header: HeaderIndex,
    encoding: string,
    private readonly expectedRecords: () => number | undefined = () => undefined,
    owners?: OwnerLookup,
  ) {
    this.mapper = new RecordMapper(config, header, encoding, owners);
  }

  private get seen(): IdSet {
    // A little over the estimate: it comes from the first chunk (within a few
    // percent when the rows are alike), and growing costs more than the margin.
    this.seenIds ??= new IdSet(Math.ceil((this.expectedRecords() ?? 1024) * 1.05), 3);
    return this.seenIds;
  }

  /** Whether a record with this externalId was read (a hash match: a collision says "seen", which only keeps a contact). */
  hasSeen(externalId: string): boolean {
    return this.seen.has(externalId);
  }

  /** A record read with another form of this id (job/id-form.ts): the id counts as read, so --delete-missing keeps its contact. */
  readAs(externalId: string, line: number): void {
    if (this.seen.get(externalId) === undefined) this.seen.set(externalId, line);
  }

  classify(item: TableItem): Classified {
    if (item.kind === 'ignored') return item;
    return this.decide(item, this.mapper.map(item));
  }

  /**
   * The verdict on `item` given its mapping, which must be the RecordMapper's
   * for this very item. Called for every item in file order: the first record
   * with an id wins, even one that failed, so the report never points at a
   * later copy as the one imported.
   */
  private decide(item: Exclude<TableItem, IgnoredLine>, mapped: MappedItem): Classified {
    const { line, fields } = item;
    if (item.kind === 'malformed') {
      this.unreadable++;
      return { kind: 'rejected', bucket: 'failed', line, fields, raw: item.raw, problems: mapped.problems };
    }
    const id = mapped.externalId;
    if (id !== undefined) {
      const first = this.seen.get(id);
      if (first !== undefined) {
        return {
          kind: 'rejected',
          bucket: 'duplicate',
          line,
          externalId: id,
          fields,
          problems: [
            {
              code: ProblemCode.duplicateExternalId,
              line,
              value: id,
              message: `externalId already used by the record on line ${first}; only the first is imported`,
            },
          ],
        };
      }
      this.seen.set(id, line);
    }
    if (mapped.problems.length > 0 || mapped.payload === undefined || id === undefined) {
      return { kind: 'rejected', bucket: 'failed', line, externalId: id, fields, problems: mapped.problems };
    }
    return {
      kind: 'valid',
      line,
      externalId: id,
      payload: mapped.payload,
      fields,
      ...(mapped.dropped && { dropped: mapped.dropped }),
      ...(this.failedAsDuplicate(fields) && { failedAsDuplicate: true }),
    };
  }

  /** Whether a failure report's row says it failed as a duplicate (its `_error_code` cell: codes apart by spaces). */
  private failedAsDuplicate(fields: readonly string[]): boolean {
    const at = this.header.errorCodes;
    return at !== undefined && (fields[at] ?? '').split(/\s+/).includes(ProblemCode.duplicateExternalId);
  }
}
