import type { ResolvedConfig } from '../config/resolved.js';
import { indexHeader } from '../csv/header.js';
import { openCsv } from '../csv/read-csv.js';
import type { Log } from '../log.js';
import { Classifier } from '../pipeline/classify.js';
import { DroppedValuesReport } from '../report/dropped-report.js';
import { FailuresReport } from '../report/failures-report.js';
import { JsonlWriter } from '../report/jsonl-writer.js';
import { ensurePrivateDir, statePath, writePrivateFile } from '../report/private-files.js';
import { buildSummary, completedExitCode, runFacts, type Summary } from '../report/summary.js';
import { ContactPreview } from '../report/contact-preview.js';
import { renderReport } from '../report/html-report.js';
import { runPipeline } from './pipeline.js';
import { DEFAULT_RULES, type PlanRules } from './plan.js';
import { replayJournal } from '../journal/replay.js';
import { mappingChangeWarning } from '../journal/mapping-check.js';
import { Recorder } from './recorder.js';

export interface DryRunOptions {
  readonly config: ResolvedConfig;
  readonly input: string;
  readonly stateDir: string;
  readonly log: Log;
  /** As the import would treat records an earlier run finished. */
  readonly rules?: PlanRules;
}

/** Where a dry run writes its reports: a folder of its own, so it never overwrites an import's. */
export const dryRunReportDir = (stateDir: string) => statePath(stateDir, 'dryRun');

/**
 * The dry run: the import's pipeline with a sender that sends nothing. Every
 * record ends in exactly one bucket, and the reports say which and why. The
 * reports go to `dry-run/` in the state directory: an import's stay as they were.
 */
export async function dryRun(options: DryRunOptions): Promise<Summary> {
  const { config, input, stateDir } = options;
  const startedAt = new Date();
  const csv = await openCsv(input, config.csv);
  const header = indexHeader(csv.header, config.columnUses, input);
  // Nothing is written before the input and config are known to fit together.
  ensurePrivateDir(stateDir);
  const reportDir = dryRunReportDir(stateDir);
  ensurePrivateDir(reportDir);
  const recorder = new Recorder({
    failures: new FailuresReport(statePath(reportDir, 'failures'), header, csv.delimiter, input),
    payloads: new JsonlWriter(statePath(reportDir, 'payloads')),
    dropped: new DroppedValuesReport(statePath(reportDir, 'droppedValues')),
  });
  const preview = new ContactPreview(header, config.phoneNumbers);
  // What a run of this job would do: the journal says what is finished (read only: a run may be appending).
  const past = await replayJournal(statePath(stateDir, 'journal'), { repair: false });
  const changedMapping = mappingChangeWarning(past.header, config, statePath(stateDir, 'journal'));
  if (changedMapping !== undefined) options.log.warn(changedMapping);
  try {
    await runPipeline({
      csv,
      classifier: new Classifier(config, header, csv.encoding, csv.estimatedRecords),
      past,
      rules: options.rules ?? DEFAULT_RULES,
      recorder,
      keepReading: () => true,
      send: (plan) => {
        recorder.valid(plan.record, plan.sync ? 'changed' : 'valid');
        preview.offer(plan.record);
      },
    });
    await recorder.commit();
  } catch (err) {
    recorder.discard();
    throw err;
  }
  const summary = buildSummary(
    { ...runFacts('dry-run', input, config.file, stateDir, startedAt), reportDir, exitCode: completedExitCode(recorder.counts), ...(preview.lines.length > 0 && { preview: preview.lines }), reportHtml: statePath(reportDir, 'reportHtml') },
    recorder.counts,
  );
  await writePrivateFile(statePath(reportDir, 'summary'), `${JSON.stringify(summary, null, 2)}\n`);
  await writePrivateFile(statePath(reportDir, 'reportHtml'), renderReport(summary, []));
  return summary;
}
