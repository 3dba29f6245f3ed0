import { startSandbox } from '../../sandbox/server.js';
import type { SandboxOptions } from '../../sandbox/options.js';

/** `sandbox`: the local API simulator, until SIGINT or SIGTERM. */
export async function sandboxCommand(options: SandboxOptions): Promise<void> {
  const sb = await startSandbox(options);
  process.stdout.write(
    `sandbox listening on ${sb.url}\napi key: ${sb.apiKey}\ninspect: ${sb.url}/__sandbox/stats, ${sb.url}/__sandbox/contacts\nstop with Ctrl-C\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => void sb.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
