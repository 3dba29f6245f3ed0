import type { ResolvedConfig } from '../config/resolved.js';
import type { JournalHeader } from './events.js';

/**
 * The job was started under another mapping: every record whose body the new
 * mapping changes counts as changed and is updated (one request each). Said
 * before anything is sent, by the dry run and the import alike.
 */
export function mappingChangeWarning(
  header: JournalHeader | undefined,
  config: ResolvedConfig,
  journalPath: string,
): string | undefined {
  if (header === undefined || header.mappingHash === config.mappingHash) return undefined;
  return `${journalPath} was started with another mapping config than ${config.file}: every record whose contact the new mapping changes counts as changed and is updated (one request each; a dry run counts them as "would update"). Records stay matched by externalId.`;
}
