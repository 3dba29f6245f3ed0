import type { Conflict } from '../sync/three-way.js';
import type { Drift } from '../sync/drift.js';
import { CsvReport } from './csv-report.js';

/** A value as a person reads it in conflicts.csv: text as it is, anything else as JSON, empty for none. */
const shown = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * conflicts.csv: each field a sync found changed both in the source and in
 * the workspace since the job last wrote it, with the three values and which
 * one the contact keeps (update.conflicts). The journal holds the same
 * (the updated event's `cf`); this is its view for people.
 */
export class ConflictsReport extends CsvReport {
  constructor(path: string, delimiter?: string) {
    super(path, ['line', 'externalId', 'field', 'base', 'source', 'workspace', 'kept'], {
      omitWhenEmpty: true,
      ...(delimiter !== undefined && { delimiter }),
    });
  }

  add(line: number, externalId: string, c: Conflict): void {
    this.write([String(line), externalId, c.field, shown(c.base), shown(c.source), shown(c.workspace), c.kept]);
  }
}

/**
 * drift.csv (run --verify): each field of the job's contacts no longer as the
 * job wrote it, with both values and whether it was written back. A dry run's
 * (`writesBack` given) says what the import would do with it.
 */
export class DriftReport extends CsvReport {
  constructor(
    path: string,
    delimiter?: string,
    /** A dry run's: whether the import would write the drift back (update.conflicts "source"). */
    private readonly preview?: { readonly writesBack: boolean },
  ) {
    super(path, ['line', 'externalId', 'field', 'asWritten', 'inWorkspace', 'action'], {
      omitWhenEmpty: true,
      ...(delimiter !== undefined && { delimiter }),
    });
  }

  add(line: number, externalId: string, d: Drift, repaired: boolean): void {
    this.write([
      String(line),
      externalId,
      d.field,
      shown(d.base),
      shown(d.workspace),
      this.preview === undefined
        ? repaired
          ? 'written back'
          : 'listed, left as it is'
        : this.preview.writesBack
          ? 'would be written back'
          : 'would be listed, left as it is',
    ]);
  }
}
