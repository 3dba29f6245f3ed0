import { apiKeyFrom } from '../../api/api-key.js';
import { initConfig } from '../../init/init-command.js';
import { stderrLog } from '../../log.js';
import { invokedAs } from '../next-command.js';
import { shellQuote } from '../../util/shell-quote.js';
import { packageRoot } from '../paths.js';

/** `init`: a config written from an export, and what it decided, on stdout. */
export async function initCommand(a: {
  input: string;
  out: string;
  force: boolean;
  update: boolean;
  baseUrl: string;
}): Promise<void> {
  const r = await initConfig({ ...a, apiKey: apiKeyFrom(process.env.OPENPHONE_API_KEY), packageRoot, log: stderrLog });
  if (r.added !== undefined) {
    const lines = [
      r.added.length > 0
        ? `updated ${a.out}: added ${r.added.length} mapping(s); everything it had is as it was (the file before: ${r.backup})`
        : `${a.out}: nothing to add: it maps every column the export has that init knows`,
      ...r.added.map((x) => `  + ${x}`),
      `next: ${invokedAs()} run --config ${shellQuote(a.out)} --input ${shellQuote(a.input)} --dry-run`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  const lines = [
    `wrote ${a.out}`,
    `  ${r.encodingNote}`,
    ...r.notes.map((n) => `  ${n}`),
    ...(r.conversions.length > 0
      ? ['  phone numbers as they will be sent (from the sample):', ...r.conversions.map((c) => `    ${c}`)]
      : []),
    r.unmapped.length > 0
      ? `  left unmapped: ${r.unmapped.map((u) => JSON.stringify(u)).join(', ')}`
      : '  every column is mapped',
    process.env.OPENPHONE_API_KEY ? '' : "  (set OPENPHONE_API_KEY to match columns to the workspace's custom fields)",
    `next: ${invokedAs()} run --config ${shellQuote(a.out)} --input ${shellQuote(a.input)} --dry-run`,
  ];
  process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
}
