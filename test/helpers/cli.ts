import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';

/** Runs the built CLI (npm test builds it first) and returns its exit code and output. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT) {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
