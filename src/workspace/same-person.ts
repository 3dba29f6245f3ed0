/**
 * Whether a workspace contact and a record name the same person: one phone
 * number or e-mail is not a person (an office line rings for several people,
 * a family shares a mobile). Names are compared as words, folded (case,
 * accents, punctuation), in any order; one side's words must all be the
 * other's (the app often keeps only a first name). A contact with no name is
 * named by its company where it has one (a company's main line, "Acme Corp"):
 * it is the same only as a record of that company with no person's name. One
 * with neither agrees with anyone; a record with no name agrees with nobody who has one.
 */
export function sameName(
  contact: { readonly firstName: string | null; readonly lastName: string | null; readonly company?: string | null },
  record: { readonly firstName?: string | null; readonly lastName?: string | null; readonly company?: string | null },
): boolean {
  const theirs = nameWords(contact.firstName, contact.lastName);
  const ours = nameWords(record.firstName ?? null, record.lastName ?? null);
  if (theirs.length === 0) {
    const company = nameWords(contact.company ?? null);
    return company.length === 0 || (ours.length === 0 && sameWords(company, nameWords(record.company ?? null)));
  }
  return ours.length > 0 && sameWords(theirs, ours);
}

/** One side's words are all the other's. */
function sameWords(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const [fewer, more] = a.length <= b.length ? [a, b] : [b, a];
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
