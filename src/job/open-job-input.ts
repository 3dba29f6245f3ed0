import type { ResolvedConfig } from '../config/resolved.js';
import { indexHeader, type HeaderIndex } from '../csv/header.js';
import type { InputTable } from '../input/table.js';
import { inputFormat, openInput } from '../input/open-input.js';
import { ensurePrivateDir } from '../state/private-files.js';
import { workbookTemp } from '../state/workbook-temp.js';

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
 * directory made (nothing is written before the input and config fit together).
 */
export async function openJobInput(input: string, config: ResolvedConfig, stateDir: string): Promise<OpenedJobInput> {
  const restoreTemp = (await inputFormat(input)) === 'xlsx' ? workbookTemp(stateDir) : () => {};
  try {
    const table = await openInput(input, config.csv);
    const header = indexHeader(table.header, config.columnUses, input);
    ensurePrivateDir(stateDir);
    return { table, header, restoreTemp };
  } catch (err) {
    restoreTemp();
    throw err;
  }
}
