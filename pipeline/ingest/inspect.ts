import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Contract } from '../contract-loader/types.ts';

/** A problem with a whole input file: the stage fails and says where and what to do. */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`${file}${line ? ` line ${line}` : ''}: ${problem}. ${hint}`);
    this.name = 'InputFileError';
  }
}

export interface FileFacts {
  bytes: number;
  sha256: string;
  /** data rows: physical lines after the header */
  rows: number;
  header: string;
}

/** Index of the first byte that breaks UTF-8 in `buf` (from `start`), or -1. */
function firstInvalidUtf8(buf: Buffer, start = 0): number {
  let i = start;
  while (i < buf.length) {
    const b = buf[i]!;
    let need = 0;
    if (b < 0x80) need = 0;
    else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    if (i + need >= buf.length && need > 0) return -1; // sequence continues in the next chunk
    for (let k = 1; k <= need; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Reads a raw file once: checksum, row count, header, and UTF-8 validity (with the line of the
 * first bad byte). Throws InputFileError for a missing, unreadable, empty or non-UTF-8 file.
 */
export async function inspectFile(path: string, display = path): Promise<FileFacts> {
  let bytes: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new InputFileError(display, null, 'is not a regular file', 'Point the pipeline at the generated CSV files.');
    bytes = s.size;
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputFileError(display, null, 'file not found', 'Generate the batch again (claims generate / the generate stage) or check the path.');
    throw new InputFileError(display, null, `cannot be read (${code ?? (err as Error).message})`, 'Check the file permissions.');
  }
  if (bytes === 0) throw new InputFileError(display, null, 'file is empty (expected at least a header line)', 'Regenerate the file; an empty extract usually means the export failed.');

  const hash = createHash('sha256');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let newlines = 0;
  let lastByte = 0;
  const headerBytes: Buffer[] = [];
  let headerDone = false;
  let offset = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
      const buf = chunk as Buffer;
      hash.update(buf);
      try {
        utf8.decode(buf, { stream: true });
      } catch {
        const bad = Math.max(0, firstInvalidUtf8(buf));
        let line = newlines + 1;
        for (let k = 0; k < bad; k++) if (buf[k] === 0x0a) line++;
        const looksUtf16 = offset === 0 && (buf[0] === 0xff || buf[0] === 0xfe);
        throw new InputFileError(
          display,
          line,
          looksUtf16 ? 'is UTF-16 encoded, not UTF-8' : `is not valid UTF-8 (byte 0x${buf[bad]!.toString(16).padStart(2, '0')} at offset ${offset + bad})`,
          'Re-export the file as UTF-8; the pipeline reads raw CSV as UTF-8 only.',
        );
      }
      let idx = buf.indexOf(0x0a);
      if (!headerDone) {
        headerBytes.push(idx >= 0 ? buf.subarray(0, idx) : buf);
        headerDone = idx >= 0;
      }
      while (idx >= 0) {
        newlines++;
        idx = buf.indexOf(0x0a, idx + 1);
      }
      lastByte = buf[buf.length - 1]!;
      offset += buf.length;
    }
    utf8.decode();
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    if (err instanceof TypeError) {
      throw new InputFileError(display, newlines + 1, 'ends in the middle of a UTF-8 character', 'Re-export the file as UTF-8; it looks truncated.');
    }
    throw new InputFileError(display, null, `cannot be read (${(err as Error).message})`, 'Check the file and its permissions.');
  }
  const lines = newlines + (lastByte === 0x0a ? 0 : 1);
  let header = Buffer.concat(headerBytes).toString('utf8');
  if (header.charCodeAt(0) === 0xfeff) header = header.slice(1);
  return { bytes, sha256: hash.digest('hex'), rows: Math.max(0, lines - 1), header: header.replace(/\r$/, '') };
}

/** Checks a file's header line against the contract: delimiter, names and order. */
export function checkHeader(header: string, c: Contract, display: string): void {
  const expected = c.columns.map((col) => col.name);
  const delim = c.source.delimiter;
  if (!header.includes(delim) && expected.length > 1) {
    const other = [';', '\t', '|'].find((d) => header.includes(d));
    throw new InputFileError(
      display,
      1,
      other ? `uses ${other === '\t' ? 'tab' : `"${other}"`} as the delimiter, not "${delim}"` : `header has no "${delim}" delimiter`,
      `The ${c.dataset} contract expects "${delim}"-separated CSV with the header: ${expected.join(delim)}`,
    );
  }
  const got = header.split(delim).map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  const missing = expected.filter((e) => !got.includes(e));
  const unexpected = got.filter((g) => !expected.includes(g));
  if (missing.length || unexpected.length) {
    const parts = [missing.length ? `missing ${missing.join(', ')}` : '', unexpected.length ? `unexpected ${unexpected.join(', ')}` : ''].filter(Boolean);
    throw new InputFileError(display, 1, `header does not match the ${c.dataset} contract (${parts.join('; ')})`, `Expected exactly: ${expected.join(delim)}`);
  }
  const firstMoved = expected.findIndex((e, i) => got[i] !== e);
  if (firstMoved >= 0) {
    throw new InputFileError(display, 1, `header columns are out of order (position ${firstMoved + 1} is "${got[firstMoved]}", expected "${expected[firstMoved]}")`, `Expected exactly: ${expected.join(delim)}`);
  }
}
