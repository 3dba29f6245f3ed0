import { spawnSync } from 'node:child_process';

/** Runs one measurement in a child process (node started with `nodeFlags` and `env` added) so its peak RSS is its own. */
export function measureInChild(script: string, args: string[]): { seconds: number; records: number; maxRssMb: number } {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${script} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}
