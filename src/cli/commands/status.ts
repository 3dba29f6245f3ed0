import { formatStatus, jobStatus } from '../../rollback/status.js';

/** `status`: what a job has done, from its state directory alone. */
export async function statusCommand(stateDir: string, json: boolean): Promise<void> {
  const status = await jobStatus(stateDir);
  process.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
}
