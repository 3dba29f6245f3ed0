/**
 * Whether a workspace contact and a record name the same person: one phone
 * number or e-mail is not a person (an office line rings for several people,
 * a family shares a mobile). Names are compared as words, folded (case,
 * accents, punctuation), in any order; one side's words must all be the
 * other's (the app often keeps only a first name). A contact with no name at
 * all agrees with anyone; a record with no name agrees with nobody who has one.
 */
export function sameName(
  contact: { readonly firstName: string | null; readonly lastName: string | null },
  record: { readonly firstName?: string | null; readonly lastName?: string | null },
): boolean {
  const theirs = nameWords(contact.firstName, contact.lastName);
  if (theirs.length === 0) return true;
  const ours = nameWords(record.firstName ?? null, record.lastName ?? null);
  if (ours.length === 0) return false;
  const [fewer, more] = theirs.length <= ours.length ? [theirs, ours] : [ours, theirs];
  return fewer.every((w) => more.includes(w));
}

/** A name's words, folded: lower case, no accents or punctuation. */
export function nameWords(...parts: (string | null)[]): string[] {
  return parts
    .filter((p): p is string => p !== null)
    .join(' ')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '');
}

/** How a name reads in review.csv and messages. */
export const displayName = (first: string | null | undefined, last: string | null | undefined): string =>
  [first, last].filter((n) => n).join(' ') || '(no name)';
