import { existsSync, readdirSync } from 'node:fs';
import { firstLineOf, readTextHead } from '../util/text-head.js';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { ResolvedConfig } from '../config/resolved.js';
import { UsageError } from '../errors.js';
import { decodeEvent } from '../journal/codec.js';
import { describeExternalId, describeSource } from '../journal/external-id-check.js';
import { keyFingerprint } from '../journal/target.js';
import { normalizeBaseUrl } from '../api/base-url.js';
import { STATE_FILES, statePath } from '../state/private-files.js';
import { defaultStateDir, isOwnReportName } from '../state/state-dir.js';
import { isFailureReportHeader } from '../csv/header.js';
import { SOURCE_PROPERTY } from '../input/vcard-card.js';
import { parse as parseSync } from 'csv-parse/sync';
import { inputFormat } from '../input/open-input.js';
import { reportWorkbookRows } from './workbook-rows.js';

/** What marks a state directory the tool named after its input. */
const SUFFIX = '.openphone-import';

/** The header line of a job's journal: its first line (a few hundred bytes), or undefined when there is none to read. */
function journalHeader(stateDir: string) {
  const path = statePath(stateDir, 'journal');
  if (!existsSync(path)) return undefined;
  try {
    const event = decodeEvent(firstLineOf(readTextHead(path, 16 * 1024)), 1);
    return event?.t === 'header' ? event : undefined;
  } catch {
    // A journal this cannot read is that job's run's to report, not this one's.
    return undefined;
  }
}

/**
 * The state directories beside `stateDir` that hold a job of this config into
 * the same API: its externalId and source as this config gives them, and the
 * same key where both are known.
 */
export function jobsBeside(
  stateDir: string,
  config: ResolvedConfig,
  api: { readonly baseUrl: string; readonly apiKey?: string | undefined },
): string[] {
  const folder = dirname(stateDir);
  let names: string[];
  try {
    names = readdirSync(folder).filter((n) => n.endsWith(SUFFIX) && n !== basename(stateDir));
  } catch {
    return [];
  }
  const idDefinition = describeExternalId(config.externalId);
  const sourceDefinition = describeSource(config.source);
  return names
    .map((n) => join(folder, n))
    .filter((dir) => {
      const h = journalHeader(dir);
      if (h === undefined || h.externalIdDefinition !== idDefinition || h.sourceDefinition !== sourceDefinition)
        return false;
      if (normalizeBaseUrl(api.baseUrl) !== normalizeBaseUrl(h.baseUrl)) return false;
      const key = api.apiKey;
      return key === undefined || h.keyFingerprint === undefined || h.keyFingerprint === keyFingerprint(key, h.keySalt);
    });
}

/**
 * A state directory the tool named after the input is a new job for every
 * new file name: tonight's export under a dated name would start a second job
 * beside the one that made the contacts, which would then leave them alone as
 * existing and never update them. When no --state-dir was given and a job of
 * this config into the same workspace is beside it, the run stops (exit 2)
 * before anything is sent, naming both ways on. So does a failure report of
 * this tool copied out of its job's folder (failureReportOf). Undefined when
 * neither is so.
 */
export async function newJobBesideAnother(
  stateDir: string,
  input: string,
  config: ResolvedConfig,
  api: { readonly baseUrl: string; readonly apiKey?: string | undefined },
): Promise<UsageError | undefined> {
  if (existsSync(statePath(stateDir, 'journal'))) return undefined;
  // A report in its job's folder runs in that job (state-dir.ts defaultStateDir); one copied out of it, whatever its name,
  // would not (and a dry run of the copy, which makes the folder for its reports, does not make it a job).
  const inItsJob = resolve(input).startsWith(`${resolve(stateDir)}${sep}`);
  const report = inItsJob ? undefined : await failureReportOf(input, stateDir);
  if (report !== undefined) return reportWithoutItsJob(input, stateDir, report);
  if (isOwnReportName(input)) return undefined;
  const others = jobsBeside(stateDir, config, api);
  if (others.length === 0) return undefined;
  return new UsageError(
    'NEW_JOB_BESIDE_ANOTHER',
    `${stateDir} would start a new job, but ${others.join(', ')} beside it ${others.length > 1 ? 'hold jobs' : 'holds a job'} of this config into the same workspace (its ${STATE_FILES.journal}: the same API, externalId and source): a new job would leave that job's contacts alone as existing and never update them`,
    {
      hint: `to go on with that job (a nightly export under a new name is the same job), add --state-dir ${others[0]}; to start a second job on purpose, add --state-dir ${stateDir}`,
    },
  );
}

/**
 * A failure report of this tool (failures.csv's _error_ columns, also saved
 * as a workbook; failures.vcf's source property) copied out of its job's
 * folder, fixed, and run without --state-dir: its rows are that job's, and a
 * new job made for the copy would make their contacts where the job never
 * answers for them. Undefined for any other input; `sourceFile`: the export
 * its first row came from.
 */
async function failureReportOf(input: string, stateDir: string): Promise<{ sourceFile?: string } | undefined> {
  if ((await inputFormatOrUndefined(input)) === 'xlsx') return workbookFailureReport(input, stateDir);
  let head: string;
  try {
    head = readTextHead(input, 64 * 1024);
  } catch {
    // An input this cannot read is the run's to report, with its own message.
    return undefined;
  }
  // failures.vcf: each card carries where it came from (report/failed-cards.ts), "FILE:LINE" as vCard text.
  const card = new RegExp(`^${SOURCE_PROPERTY}:(.*?)\\r?$`, 'im').exec(head);
  if (card !== null) return { sourceFile: card[1]!.replace(/\\([,;\\])/g, '$1').replace(/:\d+$/, '') };
  if (!isFailureReportHeader(firstLineOf(head.replace(/^\uFEFF/, '')))) return undefined;
  try {
    const rows = parseSync(head.replace(/^\uFEFF/, ''), {
      columns: true,
      to_line: 2,
      relax_quotes: true,
      relax_column_count: true,
      delimiter: [',', ';', '\t', '|'],
    }) as Record<string, string>[];
    const sourceFile = rows[0]?._source_file;
    return sourceFile ? { sourceFile } : {};
  } catch {
    return {};
  }
}

const inputFormatOrUndefined = (input: string) => inputFormat(input).catch(() => undefined);

/**
 * failures.csv opened in Excel and saved as a workbook (Excel's "Save As"
 * offers .xlsx first): its header row and first record, read as the run
 * reads them (workbook-rows.ts). On a job's first run only: the check is
 * skipped once the job has a journal.
 */
async function workbookFailureReport(input: string, stateDir: string): Promise<{ sourceFile?: string } | undefined> {
  try {
    const report = await reportWorkbookRows(input, stateDir, isFailureReportHeader, 1);
    if (report === undefined) return undefined;
    const at = report.header.findIndex((h) => h.trim() === '_source_file');
    const sourceFile = at >= 0 ? report.rows[0]?.fields[at]?.trim() : undefined;
    return sourceFile ? { sourceFile } : {};
  } catch {
    // A workbook this cannot read is the run's to report, with its own message.
    return undefined;
  }
}

function reportWithoutItsJob(input: string, stateDir: string, report: { sourceFile?: string }): UsageError {
  const job = report.sourceFile === undefined ? undefined : defaultStateDir(report.sourceFile);
  const known = job !== undefined && existsSync(job) ? job : undefined;
  return new UsageError(
    'FAILURES_WITHOUT_JOB',
    `${input} is a failure report of this tool${report.sourceFile ? ` (its records came from ${report.sourceFile})` : ''}, and ${stateDir} holds no job: its rows belong to the job that wrote it, and a new job would make their contacts where that job never answers for them`,
    {
      hint: known
        ? `add --state-dir ${known} (the job of ${report.sourceFile}); to import the rows as a job of their own on purpose, add --state-dir ${stateDir}`
        : `add --state-dir with the folder of the job that wrote it (the .openphone-import folder it was in); to import the rows as a job of their own on purpose, add --state-dir ${stateDir}`,
    },
  );
}
