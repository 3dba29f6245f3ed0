import type { ResolvedConfig } from '../config/resolved.js';
import { indexHeader, type HeaderIndex } from '../csv/header.js';
import type { InputTable } from '../input/table.js';
import { inputFormat, openInput } from '../input/open-input.js';
import { ensurePrivateDir } from '../state/private-files.js';
import { workbookTempOnTrial } from '../state/workbook-temp.js';
import { isReviewHeader } from './review-decisions.js';
import { UsageError } from '../errors.js';

/** A job's input, opened and fitted to the config, and how to undo what opening it set up. */
export interface OpenedJobInput {
  readonly table: InputTable;
  readonly header: HeaderIndex;
  /** Puts the temp folder back (a workbook's parked sheets went into the state directory). */
  readonly restoreTemp: () => void;
}

/**
 * The first step of the import and of the dry run alike: a workbook's parked
 * sheets go into the state directory, not the OS temp folder; the input is
 * opened and its header checked against the config; only then is the state
 * directory made (nothing is written before the input and config fit together:
 * one made for a workbook's sheets is removed again when they do not).
 */
export async function openJobInput(input: string, config: ResolvedConfig, stateDir: string): Promise<OpenedJobInput> {
  const workbook = (await inputFormat(input)) === 'xlsx';
  const temp = workbook ? workbookTempOnTrial(stateDir) : { restore: () => {}, undo: () => {} };
  try {
    const table = await openInput(input, config.csv);
    if (isReviewHeader(table.header)) throw reviewNotRead(input, workbook);
    const header = indexHeader(table.header, config.columnUses, input);
    ensurePrivateDir(stateDir);
    return { table, header, restoreTemp: temp.restore };
  } catch (err) {
    temp.undo();
    throw err;
  }
}

/**
 * A review whose decisions were not read (review-decisions.ts): a workbook
 * outside its job's folder, or a text file in another encoding than UTF-8
 * (saved as UTF-16 "Unicode Text"). Said so, never read as an export.
 */
function reviewNotRead(input: string, workbook: boolean): UsageError {
  return workbook
    ? new UsageError(
        'REVIEW_WORKBOOK_OUTSIDE_JOB',
        `${input} is a review (its decision column) saved as a workbook outside its job's folder: a workbook's decisions are read in its job's folder only, not as an export of contacts`,
        {
          hint: `save it into the folder of the job whose review.csv it was (beside that review.csv) and run it from there, or save it as "CSV UTF-8" and run that`,
        },
      )
    : new UsageError(
        'REVIEW_ENCODING',
        `${input} is a review (its decision column) whose first line is not UTF-8 text: its decisions are read from "CSV UTF-8" only, not as an export of contacts`,
        { hint: 'save it as "CSV UTF-8" in the spreadsheet app, then run again with it' },
      );
}
