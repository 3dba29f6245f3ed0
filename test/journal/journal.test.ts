import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { JOURNAL_FORMAT } from '../../src/state/private-files.js';
import { JournalWriter } from '../../src/journal/journal-writer.js';
import { repairTornTail, replayJournal } from '../../src/journal/replay.js';
import { acquireRunLock } from '../../src/state/run-lock.js';
import { silentLog } from '../../src/log.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { warningLog } from '../helpers/warnings.js';

const dir = useTempDir();
const header = {
  t: 'header' as const,
  format: JOURNAL_FORMAT as typeof JOURNAL_FORMAT,
  version: 1,
  mappingHash: 'h',
  baseUrl: 'http://x',
  createdAt: 'now',
};

function journalWith(lines: object[]): string {
  const path = join(dir(), 'journal.jsonl');
  writeFileSync(path, [header, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n');
  return path;
}

describe('replay', () => {
  test('created ids are done, attempts without outcome are in doubt, failures remembered', async () => {
    const state = await replayJournal(
      journalWith([
        { t: 'attempt', id: 'a', line: 2 },
        { t: 'created', id: 'a', cid: 'CT1', line: 2 },
        { t: 'attempt', id: 'b', line: 3 },
        { t: 'attempt', id: 'c', line: 4 },
        { t: 'failed', id: 'c', line: 4, code: 'API_400', message: 'm', retryable: false, body: 'x' },
        { t: 'attempt', id: 'd', line: 5 },
        { t: 'absent', id: 'd' },
        { t: 'attempt', id: 'e', line: 6 },
        { t: 'failed', id: 'e', line: 6, code: 'GAVE_UP', message: 'm', retryable: true, body: 'y', doubt: true },
        { t: 'attempt', id: 'c', line: 4 },
        { t: 'created', id: 'c', cid: 'CT2', line: 4 },
      ]),
    );
    expect(state.done.has('a')).toBe(true);
    expect(state.done.has('c')).toBe(true);
    expect(state.done.size).toBe(2);
    expect([...state.inDoubt]).toEqual([
      ['b', 3],
      ['e', 6],
    ]);
    expect([...state.failed.keys()]).toEqual(['e']);
    expect(state.repairedBytes).toBe(0);
  });

  test("the last calibration of the contacts' clock an earlier run measured is kept for the next run", async () => {
    const none = await replayJournal(journalWith([{ t: 'attempt', id: 'a', line: 2 }]));
    expect(none.clock).toBeUndefined();
    const state = await replayJournal(
      journalWith([
        { t: 'clock', lo: -900, hi: -850, at: 'then' },
        { t: 'attempt', id: 'a', line: 2 },
        { t: 'clock', lo: 12, hi: 15, at: 'later' },
      ]),
    );
    expect(state.clock).toEqual({ lo: 12, hi: 15 });
    await expect(replayJournal(journalWith([{ t: 'clock', lo: 15, hi: 12, at: 'x' }]))).rejects.toMatchObject({
      code: 'JOURNAL_CORRUPT',
    });
  });

  test("a base line right after a write is that record's base, kept as where it is; anywhere else it is nobody's", async () => {
    const path = journalWith([
      { t: 'attempt', id: 'a', line: 2 },
      { t: 'created', id: 'a', cid: 'CT1', line: 2, h: 'AAAAAAAAAAAAAAAA' },
      { t: 'base', b: { f: { firstName: 'Ada' } } },
      { t: 'attempt', id: 'b', line: 3 },
      { t: 'created', id: 'b', cid: 'CT2', line: 3, h: 'BBBBBBBBBBBBBBBB' },
      { t: 'absent', id: 'z' },
      { t: 'base', b: { f: { firstName: 'Stray' } } },
    ]);
    const state = await replayJournal(path);
    const { baseOfRecord } = await import('../../src/journal/line-reader.js');
    expect(baseOfRecord(path, state.done, 'a')).toEqual({ f: { firstName: 'Ada' } });
    expect(state.done.get('b')!.hasBase).toBeUndefined();
    expect(baseOfRecord(path, state.done, 'b')).toBeUndefined();
    // A later write without a base (an older version's sync) leaves the record without one: never a stale base.
    const later = journalWith([
      { t: 'created', id: 'a', cid: 'CT1', line: 2, h: 'AAAAAAAAAAAAAAAA' },
      { t: 'base', b: { f: { firstName: 'Ada' } } },
      { t: 'updated', id: 'a', cid: 'CT1', line: 2, h: 'CCCCCCCCCCCCCCCC' },
    ]);
    expect((await replayJournal(later)).done.get('a')!.hasBase).toBeUndefined();
  });

  test('a torn last line is cut off and the rest reads', async () => {
    const path = journalWith([
      { t: 'attempt', id: 'a', line: 2 },
      { t: 'created', id: 'a', cid: 'CT1', line: 2 },
    ]);
    appendFileSync(path, '{"t":"attempt","id":"b","li');
    const size = statSync(path).size;
    const state = await replayJournal(path);
    expect(state.repairedBytes).toBe('{"t":"attempt","id":"b","li'.length);
    expect(statSync(path).size).toBe(size - state.repairedBytes);
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
    expect(state.done.has('a')).toBe(true);
    expect(repairTornTail(path)).toBe(0);
  });

  test('a journal of another format version is refused, not guessed at', async () => {
    const path = join(dir(), 'journal.jsonl');
    writeFileSync(path, `${JSON.stringify({ ...header, version: 99 })}\n`);
    await expect(replayJournal(path)).rejects.toMatchObject({
      code: 'JOURNAL_VERSION',
      message: expect.stringMatching(/version 99/),
    });
  });

  test('a corrupt line in the middle names its line', async () => {
    const path = journalWith([{ t: 'attempt', id: 'a', line: 2 }]);
    appendFileSync(path, 'garbage\n{"t":"absent","id":"a"}\n');
    await expect(replayJournal(path)).rejects.toMatchObject({
      code: 'JOURNAL_CORRUPT',
      message: expect.stringMatching(/journal\.jsonl:3:/),
    });
  });

  test('no journal: a fresh start', async () => {
    const state = await replayJournal(join(dir(), 'none.jsonl'));
    expect(state.header).toBeUndefined();
    expect(state.done.size).toBe(0);
  });
});

describe('writer', () => {
  test('durable lines are on disk when the promise resolves; concurrent ones share an fsync', async () => {
    const path = join(dir(), 'journal.jsonl');
    const w = new JournalWriter(path, header);
    await w.durable({ t: 'absent', id: 'warm-up' });
    const before = w.fsyncs;
    await Promise.all(Array.from({ length: 20 }, (_, i) => w.durable({ t: 'attempt', id: `r${i}`, line: i + 2 })));
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(22);
    expect(w.fsyncs - before).toBe(1);
    w.append({ t: 'absent', id: 'r1' });
    w.close();
    const state = await replayJournal(path);
    expect(state.inDoubt.size).toBe(19);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe('run lock', () => {
  test("a workbook reader's temp folder is this process's, inside the state directory (what os.tmpdir() answers meanwhile), gone at the end; a gone process's is removed with the lock", async () => {
    const { workbookTemp } = await import('../../src/state/workbook-temp.js');
    const before = process.env.TMPDIR;
    const restore = workbookTemp(dir());
    // os.tmpdir() reads $TMPDIR (jest's sandbox keeps its own copy of the environment, so the variable is checked here).
    expect(process.env.TMPDIR).toBe(join(dir(), 'tmp', String(process.pid)));
    writeFileSync(join(process.env.TMPDIR!, 'tmp-parked-sheet'), 'Ada Lovelace, +14155550101');
    restore();
    expect(process.env.TMPDIR).toBe(before);
    expect(existsSync(join(dir(), 'tmp', String(process.pid)))).toBe(false);
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(join(dir(), 'tmp', String(gone)), { recursive: true });
    writeFileSync(join(dir(), 'tmp', String(gone), 'tmp-parked-sheet'), 'Ada Lovelace, +14155550101');
    acquireRunLock(dir(), silentLog)();
    expect(existsSync(join(dir(), 'tmp', String(gone)))).toBe(false);
  });

  test("taking the lock removes the half-written reports of processes that are gone (a kill -9 leaves them), here and in dry-run/, and no live process's", () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(join(dir(), 'dry-run', 'check-1'), { recursive: true });
    const left = [
      join(dir(), `summary.json.${gone}.0a1b2c3d.tmp`),
      join(dir(), 'dry-run', `failures.csv.${gone}.deadbeef.tmp`),
      join(dir(), 'dry-run', 'check-1', `review.csv.${gone}.00ff00ff.tmp`),
    ];
    const live = join(dir(), `report.html.${process.pid}.12345678.tmp`);
    const notOurs = join(dir(), 'notes.tmp');
    for (const f of [...left, live, notOurs]) writeFileSync(f, 'Ada Lovelace, +14155550101');
    const release = acquireRunLock(dir(), silentLog);
    release();
    for (const f of left) expect(existsSync(f)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(notOurs)).toBe(true);
  });

  test('a second run on the same state directory is refused with exit 3', () => {
    const release = acquireRunLock(dir(), silentLog);
    expect(() => acquireRunLock(dir(), silentLog)).toThrow(
      expect.objectContaining({
        code: 'LOCK_HELD',
        exitCode: 3,
        message: expect.stringMatching(new RegExp(`pid ${process.pid}`)),
      }),
    );
    release();
    acquireRunLock(dir(), silentLog)();
  });
  test('a lock left by a dead process is taken over with a warning', () => {
    writeFileSync(
      join(dir(), 'lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: 'earlier' }),
    );
    const { log, warnings } = warningLog();
    const release = acquireRunLock(dir(), log);
    expect(warnings).toEqual([{ code: 'LOCK_TAKEN_OVER', message: expect.stringContaining(`pid ${2 ** 22 + 12345}`) }]);
    release();
    expect(readdirSync(dir())).toEqual([]);
  });
  test('an empty lock file (torn by a crash) is taken over, and the new lock is whole with nothing left beside it', () => {
    writeFileSync(join(dir(), 'lock'), '');
    const { log, codes } = warningLog();
    const release = acquireRunLock(dir(), log);
    expect(codes()).toEqual(['LOCK_TAKEN_OVER']);
    expect(readdirSync(dir())).toEqual(['lock']);
    expect(JSON.parse(readFileSync(join(dir(), 'lock'), 'utf8'))).toEqual(
      expect.objectContaining({ pid: process.pid }),
    );
    release();
    expect(readdirSync(dir())).toEqual([]);
  });
  test("release removes only a lock that is still this run's: one that another run took since stays", () => {
    const release = acquireRunLock(dir(), silentLog);
    const theirs = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'later', token: 'another-run' });
    writeFileSync(join(dir(), 'lock'), theirs);
    release();
    expect(readFileSync(join(dir(), 'lock'), 'utf8')).toBe(theirs);
  });
  test('two runs taking over a stale lock at once: one holds it, the other is refused', async () => {
    writeFileSync(
      join(dir(), 'lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: 'earlier' }),
    );
    const { spawn } = await import('node:child_process');
    // A run that takes the lock holds it until the test lets it go (its stdin ends), however slowly the other one starts.
    const script = `import('${join(process.cwd(), 'dist', 'src', 'state', 'run-lock.js')}').then(({ acquireRunLock }) => { try { acquireRunLock(process.argv[1], { info() {}, warn() {} }); process.stdout.write('held'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0)); } catch (e) { process.stdout.write(e.code); process.exit(0); } })`;
    const children = [0, 1].map(() =>
      spawn(process.execPath, ['-e', script, dir()], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    // Listened for from the start: the refused run may be gone before the other has said anything.
    const closed = children.map((c) => new Promise((resolve) => c.on('close', resolve)));
    const results = await Promise.all(
      children.map(
        (c) => new Promise<string>((resolve) => c.stdout.once('data', (d: Buffer) => resolve(d.toString()))),
      ),
    );
    for (const c of children) c.stdin.end();
    await Promise.all(closed);
    expect(results.sort()).toEqual(['LOCK_HELD', 'held']);
  });
});
