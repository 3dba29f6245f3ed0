import type { ResolvedConfig } from '../config/resolved.js';
import {
  checkExternalIdDefinition,
  checkSource,
  idsChangedError,
  type IdentityVerdict,
} from '../journal/external-id-check.js';
import type { ResumeState } from '../journal/fold-state.js';
import { mappingChangeWarning } from '../journal/mapping-check.js';
import type { Log } from '../log.js';
import { changedIds } from './input-passes.js';

/**
 * The check every run of a job makes, the import's and the dry run's alike:
 * the config still names the records as the journal does. Another externalId
 * column or template, or another source, is exit 2 (the job would not know
 * its own contacts and would make them again). The same template under other
 * splits or allowEmpty is rechecked on the input's records: any finished one
 * whose id would change is exit 2. Then, the records known to keep their ids,
 * a changed mapping is said ("records stay matched by externalId").
 */
export async function checkRecordsNamedAlike(
  past: ResumeState,
  config: ResolvedConfig,
  input: string,
  journalPath: string,
  log: Log,
): Promise<IdentityVerdict> {
  const identity = checkExternalIdDefinition(past.idDefinition, config.externalId, journalPath, config.file);
  checkSource(past.sourceDefinition, config.source, journalPath, config.file);
  if (identity.kind === 'recheck') {
    const { changed, total } = await changedIds({ input, config }, past, identity.old);
    if (total > 0) throw idsChangedError(identity, changed, total, journalPath, config.file);
  }
  const changedMapping = mappingChangeWarning(past.header, config, journalPath);
  if (changedMapping !== undefined) log.warn(changedMapping, 'MAPPING_CHANGED');
  return identity;
}
