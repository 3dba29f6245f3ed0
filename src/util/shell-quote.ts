/**
 * An argument as the user's shell reads it back unchanged, for the commands
 * the tool prints to paste: POSIX shells (`'…'`, a quote as `'\''`), or on
 * Windows PowerShell, which the README's Windows quick start uses (`'…'`, a
 * quote doubled). Plain arguments stay as they are.
 */
export function shellQuote(arg: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return /^[A-Za-z0-9_/\\.:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "''")}'`;
  return /^[A-Za-z0-9_/.:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
