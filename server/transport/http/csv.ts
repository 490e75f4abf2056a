/*
 * CSV (RFC 4180) for report exports: CRLF line ends; a cell with a comma, a quote, CR or LF is
 * quoted with its quotes doubled. A text cell starting with = + - @ tab or CR gets a leading single
 * quote, so a spreadsheet shows it rather than runs it as a formula (CSV injection). Numbers are
 * the hub's own and go as they are.
 */

export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header line and one line per row, each row's cells in the header's order. */
export function toCsv<R>(columns: readonly { header: string; cell: (row: R) => CsvCell }[], rows: readonly R[]): string {
  const lines = [columns.map((c) => csvCell(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(c.cell(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
