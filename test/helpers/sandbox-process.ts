import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { SandboxStats } from '../../src/sandbox/options.js';
import { ROOT } from './paths.js';

/**
 * The sandbox in a process of its own (`openphone-import sandbox`), for tests
 * that time requests: arrival times are then stamped by a server that does
 * not share an event loop with the client.
 */
export async function startSandboxProcess(args: string[]) {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), 'sandbox', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  while (!/api key: \S+\n/.test(out)) {
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    out += chunk.toString();
  }
  const url = /listening on (\S+)/.exec(out)![1]!;
  const apiKey = /api key: (\S+)/.exec(out)![1]!;
  return {
    url,
    apiKey,
    stats: async () => (await (await fetch(`${url}/__sandbox/stats`)).json()) as SandboxStats,
    requests: async () =>
      (
        (await (await fetch(`${url}/__sandbox/requests`)).json()) as {
          data: { method: string; path: string; status: number; externalIds?: string[] }[];
        }
      ).data,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
