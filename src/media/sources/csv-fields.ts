/** A record whose quoted field is still open at the end of a line: the next line continues it. */
interface OpenRecord {
  fields: string[];
  cur: string;
}

/**
 * Reads one line of CSV (RFC 4180), or the line that continues `open`. A double quote opens a
 * quoted field only at the start of a field, where a doubled one inside stands for itself;
 * elsewhere a quote is kept as written. Fields are trimmed.
 */
function readLine(line: string, open: OpenRecord | null): { fields: string[] } | { open: OpenRecord } {
  const fields = open?.fields ?? [];
  let cur = open === null ? '' : `${open.cur}\n`;
  let quoted = open !== null;
  let atStart = open === null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === ',') {
      fields.push(cur.trim());
      cur = '';
      atStart = true;
    } else if (c === '"' && atStart) {
      quoted = true;
      atStart = false;
      cur = '';
    } else {
      cur += c;
      if (c !== ' ' && c !== '\t') atStart = false;
    }
  }
  if (quoted) return { open: { fields, cur } };
  fields.push(cur.trim());
  return { fields };
}

/** Splits one CSV line; a quoted field left open runs to the end of the line. */
export function csvFields(line: string): string[] {
  const read = readLine(line, null);
  return 'fields' in read ? read.fields : [...read.open.fields, read.open.cur.trim()];
}

/** A record of a CSV file and the line it starts on (1-based), or why the record there is bad. */
export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/**
 * The records of a CSV file given line by line (RFC 4180): a quoted field may hold line breaks,
 * so a record may span lines. Blank lines between records are skipped. A quoted field still
 * open at the end of the file is reported at the line its record starts on, and the lines after
 * that one are read again as records of their own: one bad quote costs one row, not the rest.
 */
export async function* csvRecords(lines: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  let lineNo = 0;
  let open: { record: OpenRecord; start: number; lines: Array<{ text: string; line: number }> } | null = null;
  const read = function* (text: string, line: number): Generator<CsvRecord> {
    if (open === null && text.trim() === '') return;
    const result = readLine(text, open?.record ?? null);
    if ('open' in result) {
      open = { record: result.open, start: open?.start ?? line, lines: [...(open?.lines ?? []), { text, line }] };
      return;
    }
    const start = open?.start ?? line;
    open = null;
    yield { line: start, fields: result.fields };
  };
  for await (const text of lines) yield* read(text, ++lineNo);
  while (open !== null) {
    const unterminated: { start: number; lines: Array<{ text: string; line: number }> } = open;
    open = null;
    yield { line: unterminated.start, error: 'a quoted field is not closed' };
    for (const { text, line } of unterminated.lines.slice(1)) yield* read(text, line);
  }
}
