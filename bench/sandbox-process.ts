import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');

/** The sandbox in its own process, so its arrival times are not disturbed by the client's work. */
export async function sandboxProcess(args: string[]) {
  const child = spawn(process.execPath, [cli, 'sandbox', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  while (!/api key: \S+\n/.test(out)) out += String(((await once(child.stdout!, 'data')) as [Buffer])[0]);
  const url = /listening on (\S+)/.exec(out)![1]!;
  const apiKey = /api key: (\S+)/.exec(out)![1]!;
  const get = async <T>(path: string) => (await (await fetch(`${url}${path}`)).json()) as T;
  return {
    url,
    apiKey,
    /** Arrival times (ms) of the requests that reached the API routes. */
    arrivals: async (method?: string) =>
      (await get<{ data: { at: number; method: string; status: number }[] }>('/__sandbox/requests')).data.filter(
        (r) => method === undefined || r.method === method,
      ),
    /** The workspace's contacts: id and externalId. */
    contacts: async () =>
      (await get<{ data: { id: string; externalId: string | null }[] }>('/__sandbox/contacts')).data,
    stats: () =>
      get<{
        maxSentInAnySecond: number;
        byStatus: Record<string, number>;
        contacts: number;
        duplicateExternalIds: number;
      }>('/__sandbox/stats'),
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/**
 * Requests per second in steady state: the requests that arrived in [first, last)
 * over that span. A sender exactly at the limit scores the limit, however it
 * spreads its requests within each second.
 */
export function steadyRate(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  const span = sorted[sorted.length - 1]! - sorted[0]!;
  const before = sorted.filter((t) => t < sorted[sorted.length - 1]!).length;
  return span > 0 ? before / (span / 1000) : 0;
}
