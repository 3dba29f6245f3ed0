import type { ResolvedConfig } from './config/resolved.js';
import { indexHeader } from './csv/header.js';
import { openCsv } from './csv/read-csv.js';
import type { Log } from './log.js';
import { Classifier } from './pipeline/classify.js';
import { mapBatch } from './pipeline/map-batch.js';
import { RecordMapper } from './pipeline/record-mapper.js';
import { Counts } from './report/counts.js';
import { FailuresReport } from './report/failures-report.js';
import { JsonlWriter } from './report/jsonl-writer.js';
import { ensurePrivateDir, statePath, writePrivateFile } from './report/private-files.js';
import { buildSummary, completedExitCode, runFacts, type Summary } from './report/summary.js';
import { countLines } from './util/count-lines.js';

export interface DryRunOptions {
  readonly config: ResolvedConfig;
  readonly input: string;
  readonly stateDir: string;
  readonly log: Log;
}

/** Where a dry run writes its reports: a folder of its own, so it never overwrites an import's. */
export const dryRunReportDir = (stateDir: string) => statePath(stateDir, 'dryRun');

/**
 * The dry run: read → map → validate → record, sending nothing. Every record
 * ends in exactly one bucket, and the reports say which and why. The reports
 * go to `dry-run/` in the state directory: an import's stay as they were.
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
  // A record takes at least one line, so the line count bounds the ids to hold.
  const classifier = new Classifier(config, header, csv.encoding, await countLines(input));
  const counts = new Counts();
  const failures = new FailuresReport(statePath(reportDir, 'failures'), header, csv.delimiter);
  const payloads = new JsonlWriter(statePath(reportDir, 'payloads'));
  const mapper = new RecordMapper(config, header, csv.encoding);

  try {
    for await (const items of csv.batches) {
      const mapped = mapBatch(mapper, items);
      items.forEach((item, i) => {
        counts.read++;
        const result = classifier.decide(item, mapped[i]!);
        if (result.kind === 'valid') {
          counts.add('valid');
          // The same text as JSON.stringify({ line, externalId, body }), with the body already JSON.
          payloads.writeJsonText(`{"line":${result.line},"externalId":${JSON.stringify(result.externalId)},"body":${result.payload}}`);
        } else {
          counts.add(result.bucket, result.problems.map((p) => p.code));
          failures.add(result.fields, result.line, result.problems, result.raw);
        }
      });
      await Promise.all([payloads.pace(), failures.pace()]);
    }
    await Promise.all([failures.commit(), payloads.commit()]);
  } catch (err) {
    failures.discard();
    payloads.discard();
    throw err;
  }

  const summary = buildSummary(
    { ...runFacts('dry-run', input, config.file, stateDir, startedAt), reportDir, exitCode: completedExitCode(counts) },
    counts,
  );
  await writePrivateFile(statePath(reportDir, 'summary'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
