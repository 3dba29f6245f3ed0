import { ExitCode } from '../../src/errors.js';

test('importing the command line runs nothing; main returns the exit code', async () => {
  const before = process.exitCode;
  const writes: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const log = console.log;
  process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
  // yargs prints --version with console.log.
  console.log = (...args: unknown[]) => void writes.push(args.join(' '));
  try {
    const { main } = await import('../../src/cli/main.js');
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

describe('help and errors a newcomer can follow', () => {
  test('a mistyped option or command names what was typed and the nearest one', async () => {
    const { main } = await import('../../src/cli/main.js');
    await expect(main(['run', '--dry-rn', '-c', 'x', '-i', 'y'])).rejects.toMatchObject({
      exitCode: ExitCode.usage,
      message: expect.stringMatching(/^unknown option --dry-rn \(did you mean --dry-run\?\)/),
    });
    await expect(main(['rnu'])).rejects.toMatchObject({
      exitCode: ExitCode.usage,
      message: expect.stringMatching(/unknown command: did you mean run\?/),
    });
  });

  test('the options "did you mean" knows are the definitions\' own, and it suggests them whatever the locale', async () => {
    const { optionNames, initDef, runDef, rollbackDef } = await import('../../src/cli/command-defs.js');
    expect(optionNames([initDef(), runDef(() => {}), rollbackDef(() => {})])).toEqual(
      expect.arrayContaining(['input', 'out', 'update', 'dry-run', 'require-phone', 'yes', 'help']),
    );
    const { runCli } = await import('../helpers/cli.js');
    for (const LANG of ['de_DE.UTF-8', 'fr_FR.UTF-8', 'C']) {
      const r = await runCli(['run', '--requre-phone', '-c', 'x', '-i', 'y'], { LANG, LC_ALL: LANG });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown option --requre-phone \(did you mean --require-phone\?\)/);
    }
  });

  test('--help lists the commands in workflow order, with no literal $0', async () => {
    const { main } = await import('../../src/cli/main.js');
    const out: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void out.push(args.join(' '));
    try {
      await main(['--help']);
    } finally {
      console.log = log;
    }
    const text = out.join('\n');
    expect(text).not.toContain('$0');
    const order = ['init', 'run', 'status', 'rollback', 'sandbox', 'demo'].map((c) =>
      text.indexOf(`openphone-import ${c} `),
    );
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test('--base-url without a scheme is a usage error, also for a dry run', async () => {
    const { main } = await import('../../src/cli/main.js');
    const { fixture } = await import('../helpers/paths.js');
    await expect(
      main([
        'run',
        '--dry-run',
        '-c',
        fixture('contacts.config.json'),
        '-i',
        fixture('clean.csv'),
        '--base-url',
        'api.openphone.com',
      ]),
    ).rejects.toMatchObject({
      exitCode: ExitCode.usage,
      message: expect.stringMatching(/expected a URL with its scheme/),
    });
  });

  test('a dry run checks the flags its next commands carry: --max-rows, --max-duration, --progress-interval', async () => {
    const { main } = await import('../../src/cli/main.js');
    const { fixture } = await import('../helpers/paths.js');
    const dry = ['run', '--dry-run', '-c', fixture('contacts.config.json'), '-i', fixture('clean.csv')];
    await expect(main([...dry, '--max-rows', '-3'])).rejects.toMatchObject({
      code: 'MAX_ROWS_INVALID',
      exitCode: ExitCode.usage,
    });
    await expect(main([...dry, '--max-duration', '5'])).rejects.toMatchObject({
      code: 'DURATION_INVALID',
      message: expect.stringMatching(/^--max-duration: found "5"/),
    });
    await expect(main([...dry, '--progress-interval', 'soon'])).rejects.toMatchObject({
      code: 'DURATION_INVALID',
      message: expect.stringMatching(/^--progress-interval: found "soon"/),
    });
  });
});

test("the exit codes mean one thing everywhere: the README's table and --help say each in the words of errors.ts", async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { EXIT_MEANINGS } = await import('../../src/errors.js');
  const { ROOT } = await import('../helpers/paths.js');
  const { runCli } = await import('../helpers/cli.js');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const help = (await runCli(['--help'])).stdout;
  for (const [code, meaning] of Object.entries(EXIT_MEANINGS)) {
    expect(readme).toContain(`| ${code} | ${meaning}`);
    expect(help.replace(/\s+/g, ' ')).toContain(`${code} ${meaning}`);
  }
});

test('an error says what is wrong, and apart from it what to do: a hint line, and a hint field in JSON logs', async () => {
  const { runCli } = await import('../helpers/cli.js');
  const text = await runCli(['run', '-c', 'fixtures/demo.config.json', '-i', 'fixtures/demo.csv'], {
    OPENPHONE_API_KEY: '',
  });
  expect(text.code).toBe(2);
  expect(text.stderr).toBe(
    'error: no API key: OPENPHONE_API_KEY is not set (the key is never taken as a flag: argv shows in ps and shell history)\nhint: set OPENPHONE_API_KEY to the workspace API key; or use --dry-run to check the file without sending\n',
  );
  const json = await runCli(
    ['run', '-c', 'fixtures/demo.config.json', '-i', 'fixtures/demo.csv', '--log-format', 'json'],
    { OPENPHONE_API_KEY: '' },
  );
  expect(JSON.parse(json.stderr.trim())).toMatchObject({
    level: 'error',
    code: 'API_KEY_MISSING',
    exitCode: 2,
    message: expect.stringMatching(/^no API key/),
    hint: expect.stringMatching(/^set OPENPHONE_API_KEY/),
  });
});
