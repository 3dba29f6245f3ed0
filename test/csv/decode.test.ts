import { CR_IN_CELL, DecodeToLf } from '../../src/csv/decode.js';

/**
 * The rules of DecodeToLf's line ends, one character at a time, as csv-parse
 * reads fields with relax_quotes: the oracle the decoder (which visits only
 * quotes and CRs) is held to.
 */
function lineEndsByCharacter(text: string): string {
  let state: 'start' | 'unquoted' | 'quoted' | 'quote' = 'start';
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      state = state === 'start' ? 'quoted' : state === 'quoted' ? 'quote' : state === 'quote' ? 'quoted' : 'unquoted';
      out += c;
    } else if (c === '\r') {
      const crlf = text[i + 1] === '\n';
      out += crlf && state === 'quoted' ? `${CR_IN_CELL}\n` : '\n';
      if (crlf) i++;
      if (state !== 'quoted') state = 'start';
    } else if ('\n,;\t|'.includes(c)) {
      if (state !== 'quoted') state = 'start';
      out += c;
    } else {
      if (state === 'start' || state === 'quote') state = 'unquoted';
      out += c;
    }
  }
  return out;
}

async function decode(text: string, chunkSizes: readonly number[]): Promise<string> {
  const bytes = Buffer.from(text);
  const decoder = new DecodeToLf('utf-8');
  const out: string[] = [];
  decoder.on('data', (t: string) => out.push(t));
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = chunkSizes[k % chunkSizes.length]!;
    decoder.write(bytes.subarray(at, at + size));
    at += size;
  }
  decoder.end();
  await new Promise((r) => decoder.on('end', r));
  return out.join('');
}

/** A small deterministic generator (no test may differ from run to run). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

test('line ends: the decoder agrees with the character-by-character rules on 3,000 texts of quotes, CRs, LFs and delimiters, however they are cut into chunks', async () => {
  const next = random(7);
  const alphabet = ['a', 'b', '"', '"', '\r', '\n', '\r\n', ',', ';', '\t', '|', ' '];
  for (let n = 0; n < 3000; n++) {
    const length = 1 + Math.floor(next() * 24);
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
    const chunks = [1 + Math.floor(next() * 5), 1 + Math.floor(next() * 9)];
    const expected = lineEndsByCharacter(text);
    // A CR at the very end waits for the next chunk (it may be a CRLF's), so the whole text is compared.
    expect({ text, chunks, decoded: await decode(text, chunks) }).toEqual({ text, chunks, decoded: expected });
  }
});
