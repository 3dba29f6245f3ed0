import { ExitCode } from '../src/errors.js';

test('importing the command line runs nothing; main returns the exit code', async () => {
  const before = process.exitCode;
  const writes: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const log = console.log;
  process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
  // yargs prints --version with console.log.
  console.log = (...args: unknown[]) => void writes.push(args.join(' '));
  try {
    const { main } = await import('../src/cli/main.js');
    expect(process.exitCode).toBe(before);
    expect(writes).toEqual([]);
    await expect(main(['nonsense-command'])).rejects.toMatchObject({ exitCode: ExitCode.usage });
    expect(await main(['--version'])).toBe(ExitCode.ok);
    expect(writes.join('')).toMatch(/\b0\.\d+\.\d+\b/);
  } finally {
    process.stdout.write = write;
    console.log = log;
  }
});

test('exit codes are named, the internal error included', () => {
  expect(ExitCode).toEqual({ ok: 0, someFailed: 1, usage: 2, aborted: 3, stoppedEarly: 4, internal: 70 });
});
