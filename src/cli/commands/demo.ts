import { existsSync, readdirSync, rmSync } from 'node:fs';
import { loadConfig } from '../../config/load.js';
import { ExitCode, UsageError } from '../../errors.js';
import { STATE_FILES, statePath } from '../../state/private-files.js';
import { DEMO_CONFIG, DEMO_INPUT, DEMO_WORKSPACE } from '../paths.js';
import { invokedAs } from '../next-command.js';
import { runCommand } from './run.js';

/** The README's first command: the demo file imported into a sandbox started in this process. */
export async function demoCommand(stateDir: string): Promise<number> {
  const { startSandbox } = await import('../../sandbox/server.js');
  const { loadExistingContacts } = await import('../../sandbox/existing-contacts.js');
  // The demo config names a createdByUserId; the demo workspace has that user. Like
  // every real workspace it is not empty: contacts typed in the app, one from its
  // CSV import, one another integration holds (fixtures/demo-workspace.jsonl).
  const createdBy = loadConfig(DEMO_CONFIG).createdByUserId;
  const existing = loadExistingContacts(DEMO_WORKSPACE);
  const sandbox = await startSandbox({ rate: 10, existing, ...(createdBy !== undefined && { users: [createdBy] }) });
  try {
    // Each demo starts afresh: a new sandbox holds no contacts, so an old journal would lie.
    // Only an earlier demo's state (or an empty folder) is cleared: --state-dir could name anything.
    if (existsSync(stateDir)) {
      await refuseUnlessDemoState(stateDir);
      rmSync(stateDir, { recursive: true, force: true });
    }
    process.stdout.write(
      `demo: importing ${DEMO_INPUT} into a local sandbox at ${sandbox.url} (10 requests/s, as the real API), whose workspace already has ${existing.length} contacts; matching them by phone and email\n`,
    );
    const code = await runCommand({
      config: DEMO_CONFIG,
      input: DEMO_INPUT,
      stateDir,
      dryRun: false,
      baseUrl: sandbox.url,
      apiKey: sandbox.apiKey,
      matchExisting: 'phone,email',
      hints: false,
    });
    const stats = sandbox.stats();
    process.stdout.write(
      `  the sandbox now holds ${stats.contacts} contacts (${stats.duplicateExternalIds} duplicated externalIds)\n`,
    );
    // The demo file has bad rows on purpose, to show the reports: a real run would exit 1 here; the demo ran to its end, so it exits 0.
    if (code === ExitCode.someFailed)
      process.stdout.write(
        '  the demo file has bad rows and a contact for review on purpose: a real run exits 1 on them (see the reports above); the demo ran to its end and exits 0\n',
      );
    process.stdout.write(`next, your own export: ${invokedAs()} init --input your-export.csv --out import.json\n`);
    return code === ExitCode.someFailed ? ExitCode.ok : code;
  } finally {
    await sandbox.stop();
  }
}

/** A folder the demo may clear: empty, or an earlier demo's state, with no run holding its lock. */
async function refuseUnlessDemoState(stateDir: string): Promise<void> {
  const entries = readdirSync(stateDir);
  if (entries.length === 0) return;
  const refuse = (why: string) =>
    new UsageError('DEMO_STATE_DIR', `${stateDir} ${why}: not cleared`, {
      hint: 'pick another --state-dir for the demo',
    });
  if (!entries.includes(STATE_FILES.journal) && !entries.includes(STATE_FILES.summary))
    throw refuse('exists and is not an openphone-import state directory');
  const { liveLock } = await import('../../state/run-lock.js');
  const lock = liveLock(stateDir);
  if (lock !== undefined) throw refuse(`is in use by a run (pid ${lock.pid} on ${lock.host})`);
  if (entries.includes(STATE_FILES.journal)) {
    const { replayJournal } = await import('../../journal/replay.js');
    const past = await replayJournal(statePath(stateDir, 'journal'), { repair: false });
    if (past.runs.some((r) => r.event === 'start' && r.input !== DEMO_INPUT))
      throw refuse("holds another job's journal (not the demo's)");
  }
}
