/** Line breaks inside a record's raw text (LF only: input is normalised), not counting its terminator. */
export function innerLineBreaks(raw: string): number {
  let end = raw.length;
  while (end > 0 && raw.charCodeAt(end - 1) === 10) end--;
  let start = 0;
  // csv-parse puts skipped blank lines before a record into its raw text.
  while (start < end && raw.charCodeAt(start) === 10) start++;
  let n = 0;
  for (let i = raw.indexOf('\n', start); i >= 0 && i < end; i = raw.indexOf('\n', i + 1)) n++;
  return n;
}

/** The raw text without leading blank lines and without its terminator. */
export function trimRaw(raw: string): string {
  return raw.replace(/^\n+/, '').replace(/\n+$/, '');
}
