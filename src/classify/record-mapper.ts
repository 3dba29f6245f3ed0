import type { ResolvedConfig } from '../config/resolved.js';
import type { HeaderIndex } from '../csv/header.js';
import type { IgnoredLine, TableItem } from '../input/table.js';
import { mapRecord, type CellReader, type MappedItem, type OwnerLookup } from '../mapping/map-record.js';
import { ProblemCode, type Problem } from '../mapping/problem.js';
import { hasEscapedBytes, showEscapedBytes } from '../csv/escaped-bytes.js';
import { columnLetters } from '../input/xlsx-columns.js';

/** Values not known (formulas without a computed value) join the record's problems: left out and reported (invalidValues "drop"), or failing it. */
function withoutValues(mapped: MappedItem, unknown: readonly Problem[], invalidValues: 'drop' | 'fail'): MappedItem {
  if (unknown.length === 0) return mapped;
  if (invalidValues === 'drop' && mapped.payload !== undefined)
    return { ...mapped, dropped: [...(mapped.dropped ?? []), ...unknown] };
  const { payload: _payload, ...rest } = mapped;
  return { ...rest, problems: [...mapped.problems, ...unknown] };
}

/**
 * Pure and stateless: one CSV item → its payload or its problems, including
 * cells that did not decode and malformed records. The one piece of state,
 * the externalIds seen so far, is the Classifier's, which keeps the file order
 * (Classifier.decide).
 */
export class RecordMapper {
  constructor(
    private readonly config: ResolvedConfig,
    private readonly header: HeaderIndex,
    private readonly encoding: string,
    /** The workspace's users, when the config maps an owner column and they were read. */
    private readonly owners?: OwnerLookup,
  ) {}

  map(item: Exclude<TableItem, IgnoredLine>): MappedItem {
    if (item.kind === 'malformed') {
      const message = item.endLine > item.line ? `${item.message} (lines ${item.line}-${item.endLine})` : item.message;
      return { problems: [{ code: ProblemCode.csvMalformed, line: item.line, message }] };
    }
    const { fields, line } = item;
    const encodingProblems = this.undecodable(fields, line);
    const mapped = withoutValues(
      mapRecord(this.config, this.cells(fields), line, {
        numberCell: item.numberCells === undefined ? undefined : this.numberCells(item.numberCells),
        owners: this.owners,
      }),
      this.formulasWithoutValue(item.formulaCells, line),
      this.config.invalidValues,
    );
    if (encodingProblems === undefined) return mapped;
    return { externalId: mapped.externalId, problems: [...encodingProblems, ...mapped.problems] };
  }

  /** Reads a record's cells by column name ('' for a column the record lacks). */
  cells(fields: readonly string[]): CellReader {
    return (column) => {
      const at = this.header.positionOf.get(column);
      return at === undefined ? '' : (fields[at] ?? '');
    };
  }

  /**
   * A workbook's formula cells without a computed value, in the columns the
   * config maps: each a problem naming its cell, never an empty value in silence.
   */
  private formulasWithoutValue(positions: readonly number[] | undefined, line: number): Problem[] {
    if (positions === undefined) return [];
    const used = new Set(this.config.usedColumns);
    return positions.flatMap((at) => {
      const column = this.header.own.find((c) => c.position === at)?.name;
      if (column === undefined || !used.has(column)) return [];
      return [
        {
          code: ProblemCode.formulaWithoutValue,
          line,
          column,
          message: `cell ${columnLetters(at + 1)}${line} holds a formula with no computed value (the workbook was written by a program, not saved by Excel), so its value is not known: open the workbook in Excel and save it, or export it as CSV, then run again`,
        },
      ];
    });
  }

  /** Which columns of a workbook's record hold cells stored as numbers. */
  private numberCells(positions: readonly number[]): (column: string) => boolean {
    return (column) => {
      const at = this.header.positionOf.get(column);
      return at !== undefined && positions.includes(at);
    };
  }

  private get notDecodable(): string {
    return `bytes that are not valid ${this.encoding} (shown as \uFFFD); set csv.encoding to the file's real encoding, e.g. "windows-1252" for Excel exports. failures.csv keeps the bytes as they were: a rerun of it with the right csv.encoding reads them right`;
  }

  /** In a failure report being rerun, the bytes came from the export, or from an app that saved the report again in its own encoding. */
  private get notDecodableInReport(): string {
    return `bytes that are not valid ${this.encoding} (shown as \uFFFD). If the export is in another encoding, set csv.encoding to it, e.g. "windows-1252" for Excel exports; if a spreadsheet app saved this report again (as "CSV", not "CSV UTF-8"), save it as "CSV UTF-8" instead and run it again: csv.encoding is the export's too`;
  }

  /** Bytes that were not valid in the declared encoding (kept as escaped bytes, or U+FFFD from other decoders); undefined when none were (most records). */
  private undecodable(fields: readonly string[], line: number): Problem[] | undefined {
    let problems: Problem[] | undefined;
    // The input's own fields only: a failure report's added columns hold our messages, not data.
    const own = this.header.own;
    const positions = own.length === fields.length ? undefined : new Set(own.map((c) => c.position));
    fields.forEach((value, i) => {
      if (positions !== undefined && !positions.has(i)) return;
      if (!value.includes('\uFFFD') && !hasEscapedBytes(value)) return;
      problems ??= [];
      const column = own.find((c) => c.position === i)?.name ?? `field ${i + 1}`;
      problems.push({
        code: ProblemCode.encodingInvalid,
        line,
        column,
        value: showEscapedBytes(value),
        message: this.header.errorCodes === undefined ? this.notDecodable : this.notDecodableInReport,
      });
    });
    return problems;
  }
}
