import { join } from 'node:path';
import type { ResolvedConfig } from './config/resolved.js';
import { indexHeader } from './csv/header.js';
import { openCsv } from './csv/read-csv.js';
import type { Log } from './log.js';
import { Classifier } from './pipeline/classify.js';
import { Counts } from './report/counts.js';
import { FailuresReport } from './report/failures-report.js';
import { JsonlWriter } from './report/jsonl-writer.js';
import { ensurePrivateDir, writePrivateFile } from './report/private-files.js';
import { buildSummary, completedExitCode, runFacts, type Summary } from './report/summary.js';
import { countLines } from './util/count-lines.js';

export interface DryRunOptions {
  readonly config: ResolvedConfig;
  readonly input: string;
  readonly stateDir: string;
  readonly log: Log;
}

/**
 * The dry run: read → map → validate → record, sending nothing. Every record
 * ends in exactly one bucket, and the reports say which and why.
 */
export async function dryRun(options: DryRunOptions): Promise<Summary> {
  const { config, input, stateDir } = options;
  const startedAt = new Date();
  const csv = await openCsv(input, config.csv);
  const header = indexHeader(csv.header, config.columnUses, input);
  // Nothing is written before the input and config are known to fit together.
  ensurePrivateDir(stateDir);
  // A record takes at least one line, so the line count bounds the ids to hold.
  const classifier = new Classifier(config, header, csv.encoding, await countLines(input));
  const counts = new Counts();
  const failures = new FailuresReport(join(stateDir, 'failures.csv'), header, csv.delimiter);
  const payloads = new JsonlWriter(join(stateDir, 'payloads.jsonl'));

  for await (const batch of csv.batches) {
    for (const item of batch) {
      counts.read++;
      const result = classifier.classify(item);
      if (result.kind === 'valid') {
        counts.add('valid');
        payloads.write({ line: result.line, externalId: result.externalId, body: result.payload });
      } else {
        counts.add(result.bucket, result.problems.map((p) => p.code));
        failures.add(result.fields, result.line, result.problems, result.raw);
      }
    }
    await Promise.all([payloads.pace(), failures.pace()]);
  }
  await Promise.all([failures.commit(), payloads.commit()]);

  const summary = buildSummary(
    { ...runFacts('dry-run', input, config.file, stateDir, startedAt), exitCode: completedExitCode(counts) },
    counts,
  );
  await writePrivateFile(join(stateDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
