import type { ApiClient } from '../api/client.js';
import type { MatchKey, ResolvedConfig } from '../config/resolved.js';
import type { HeaderIndex } from '../csv/header.js';
import type { ResumeState } from '../journal/fold-state.js';
import type { Log } from '../log.js';
import { checkSameWorkspace } from '../ownership/same-workspace.js';
import { checkFirstRun, jobSourceOf } from '../workspace/build-index.js';
import type { WorkspaceIndex } from '../workspace/index.js';
import { readOwners } from '../workspace/owners.js';
import type { UserDirectory } from '../workspace/users.js';
import { checkCreatedByUser, checkWorkspace } from '../workspace/workspace-check.js';
import { matchingIndex } from './input-passes.js';
import type { Runner } from './runner.js';

/** What the reads before the first send found: the workspace's users (config.owner) and its index (--match-existing). */
export interface StartedUp {
  readonly owners?: UserDirectory;
  readonly index?: WorkspaceIndex;
}

export interface StartUpContext {
  readonly config: ResolvedConfig;
  readonly baseUrl: string;
  readonly api: ApiClient;
  readonly input: string;
  readonly header: HeaderIndex;
  readonly journalPath: string;
  readonly past: ResumeState;
  /** The job moves to a new key (--same-workspace): its workspace must be the one the job imported into. */
  readonly newKey: boolean;
  /** undefined: no matching chosen (a first run into a workspace with app-made contacts then stops). */
  readonly matchChoice: readonly MatchKey[] | undefined;
  /** A review.csv run carries out decisions only, and a decided record matches nothing: no listing. */
  readonly reviewRun: boolean;
  readonly log: Log;
}

/**
 * Before anything is sent or written: the key is accepted, the config fits
 * the workspace, a new key is the same workspace's, then the users and the
 * index are read. Each step runs through the runner, which owns stopping: a
 * stop or a refusal (JobAbortedError) ends the run there, as it would in the
 * sending, and `runner.finish()` says which. Undefined then.
 */
export async function startUp(runner: Runner, s: StartUpContext): Promise<StartedUp | undefined> {
  let found: StartedUp = {};
  const ready =
    (await runner.startup(async (stop) => {
      await checkWorkspace(s.config, s.baseUrl, s.api, stop);
      await checkCreatedByUser(s.config, s.baseUrl, s.api, stop);
    })) &&
    (!s.newKey || (await runner.startup(() => checkSameWorkspace(s.api, s.journalPath, s.past)))) &&
    (await runner.startup(async (stop) => {
      found = await ownersAndIndex(s, stop);
    }));
  return ready ? found : undefined;
}

async function ownersAndIndex(s: StartUpContext, stop: AbortSignal): Promise<StartedUp> {
  const owners =
    s.config.owner === undefined ? undefined : await readOwners(s.api, s.config, s.header, s.input, s.log, stop);
  const keys = s.matchChoice ?? [];
  if (s.reviewRun || keys.length === 0) {
    if (s.past.header === undefined && s.matchChoice === undefined)
      await checkFirstRun(s.api, jobSourceOf(s.config.source), stop);
    return { ...(owners && { owners }) };
  }
  const pass = { input: s.input, config: s.config, ...(owners && { owners }), stop };
  const index = await matchingIndex(s.api, keys, pass, s.past, s.log);
  if (index === undefined)
    s.log.info(
      'matching existing contacts: every record of the input is one the job has finished, so the workspace is not listed',
    );
  return { ...(owners && { owners }), ...(index && { index }) };
}
