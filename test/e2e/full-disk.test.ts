import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayJournal } from '../../src/journal/replay.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { runCli } from '../helpers/cli.js';
import { cliJob, importConfig, writeContactsFile } from '../helpers/contacts-file.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir();

/** A small tmpfs as the state directory: a disk that fills up. Needs root (CI and these machines run as root). */
function smallDisk(path: string, size: string): () => void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', path], { stdio: 'ignore' });
  } catch (err) {
    // mountWorks() said it would: a failure now is the test's, not the machine's.
    throw new Error(`mounting a tmpfs at ${path} failed: ${(err as Error).message}`, { cause: err });
  }
  return () => execFileSync('umount', ['-l', path], { stdio: 'ignore' });
}

/** Whether this machine lets the tests mount a tmpfs (root, and a kernel that allows it): otherwise the tests are skipped, visibly. */
function mountWorks(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'opi-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const onSmallDisk = mountWorks() ? test : test.skip;

onSmallDisk(
  'the journal fills the disk: exit 3 with a message, no lock left behind, and no create sent without its attempt on disk',
  async () => {
    const sandbox = await startSandbox({ rate: 0 });
    const stateDir = join(dir(), 'state');
    const unmount = smallDisk(stateDir, '48k');
    try {
      const { file, args } = cliJob(dir(), 1500);
      const r = await runCli(args(sandbox.url), { OPENPHONE_API_KEY: sandbox.apiKey });
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/cannot write the journal .*journal\.jsonl: the disk is full/);
      expect(existsSync(join(stateDir, 'lock'))).toBe(false);
      const created = sandbox.contacts().length;
      expect(created).toBeGreaterThan(0);
      expect(created).toBeLessThan(file.valid.length);
      // Every contact the sandbox holds was attempted on disk first: created, or in doubt for the next run.
      const state = await replayJournal(join(stateDir, 'journal.jsonl'), { repair: false });
      for (const c of sandbox.contacts())
        expect(state.done.has(c.externalId!) || state.inDoubt.has(c.externalId!)).toBe(true);
    } finally {
      unmount();
      await sandbox.stop();
    }
  },
  60_000,
);

onSmallDisk(
  'reports that cannot be written in full: the run says so and exits non-zero, and the reports already there stay whole',
  async () => {
    const stateDir = join(dir(), 'state');
    // Room for the small run's reports (tmpfs gives each file a page of 4 KiB at least, the two folder markers too), not the large one's.
    const unmount = smallDisk(stateDir, '40k');
    try {
      const input = join(dir(), 'contacts.csv');
      const config = join(dir(), 'config.json');
      writeFileSync(config, JSON.stringify(importConfig()));
      writeContactsFile(input, 20);
      expect((await runCli(['run', '--dry-run', '-c', config, '-i', input, '--state-dir', stateDir])).code).toBe(1);
      const small = readFileSync(join(stateDir, 'dry-run', 'summary.json'), 'utf8');
      writeContactsFile(input, 2000);
      const r = await runCli(['run', '--dry-run', '-c', config, '-i', input, '--state-dir', stateDir]);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(3);
      // Whichever of the reports it streams meets the full disk first (their writes interleave by chunk).
      expect(r.stderr).toMatch(
        /could not write (payloads\.jsonl|failures\.csv|dropped-values\.csv) in full \(.*\): the disk is full/,
      );
      expect(readFileSync(join(stateDir, 'dry-run', 'summary.json'), 'utf8')).toBe(small);
    } finally {
      unmount();
    }
  },
  60_000,
);

onSmallDisk(
  'a report that does not fit: commit throws naming the file, and the report already in place stays whole',
  async () => {
    const { AtomicPrivateFile } = await import('../../src/state/private-files.js');
    const stateDir = join(dir(), 'reports');
    const unmount = smallDisk(stateDir, '32k');
    try {
      const path = join(stateDir, 'created.csv');
      writeFileSync(path, 'line,externalId,contactId\n2,a,CT1\n');
      const file = new AtomicPrivateFile(path);
      for (let i = 0; i < 2000; i++) file.stream.write(`${i},record-${i},CT${String(i).padStart(22, '0')}\n`);
      await expect(file.commit()).rejects.toMatchObject({
        code: 'REPORT_WRITE_FAILED',
        message: expect.stringMatching(/could not write created\.csv in full .*the disk is full/),
      });
      expect(readFileSync(path, 'utf8')).toBe('line,externalId,contactId\n2,a,CT1\n');
      // No temp file is left taking the space.
      expect(readdirSync(stateDir)).toEqual(['created.csv']);
    } finally {
      unmount();
    }
  },
);
