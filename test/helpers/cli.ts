import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (npm test builds it first). Asynchronous on purpose: a
 * sandbox started by the test lives in this process and must keep answering
 * while the CLI runs.
 */
/** The environment a user's shell gives the CLI: npm's variables (this suite runs under `npm test`) left out, as they change the commands it prints. */
export const userEnv = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))),
  ...extra,
});

export function runCli(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
      cwd,
      env: userEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Starts the built CLI and kills it with SIGKILL (kill -9: no handler runs) as
 * soon as `until` holds, polled every 5 ms (typically a count of the requests
 * the sandbox has seen): a moment of the run itself, however slow the machine
 * is to start Node. Resolves once the process is gone.
 */
export async function killCliWhen(
  args: string[],
  env: Record<string, string | undefined>,
  until: () => boolean,
): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
    env: userEnv(env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let code: number | null | undefined;
  const exited = new Promise((resolve) => child.on('exit', (c) => resolve((code = c))));
  while (!until()) {
    // A command that ends before the moment to kill it came is a failure to see, not a wait until the test's timeout.
    if (code !== undefined) throw new Error(`the command ended (exit ${code}) before it was to be killed:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  await exited;
}

/** The error a run with `--log-format json` ended with: its code, exit code, message and hint, as scripts read them. */
export function cliError(r: CliResult): { code: string; exitCode: number; message: string; hint?: string } {
  const line = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event?: string })
    .find((e) => e.event === 'error');
  if (line === undefined) throw new Error(`no error event on stderr:\n${r.stderr}`);
  return line as ReturnType<typeof cliError>;
}
