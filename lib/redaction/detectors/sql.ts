// Personal data in SQL statements that a key walk cannot see: passwords set with
// `PASSWORD '…'` / `IDENTIFIED BY '…'`, and values whose column is named only in the
// column list of an `INSERT INTO t (first_name, …) VALUES ('John', …)`.
// (`SET full_name = 'John'` and `WHERE card_no = '…'` are `key = value` text already.)
import type { Match, TextDetector } from '../types.ts';
import type { KeyTable } from './key-table.ts';
import type { LabelKind } from './labelled-values.ts';
import { eachMatch, pushMatch } from './scan-utils.ts';

/**
 * PostgreSQL `WITH PASSWORD '…'`, `ENCRYPTED PASSWORD '…'`, MySQL `IDENTIFIED [WITH plugin]
 * BY '…'`, `SET PASSWORD [FOR user] = [PASSWORD(]'…'`, SQL Server `WITH PASSWORD = '…'`. The
 * value is a single-quoted literal ('' and \' escape a quote).
 */
const SQL_PASSWORD =
  /\b(?:PASSWORD(?:\s+FOR\s+[^=;]{1,100}?(?==))?|IDENTIFIED(?:\s+WITH\s+\w+)?\s+BY)\s*(?:=\s*)?(?:PASSWORD\s*)?(?:\(\s*)?'((?:[^'\\]|\\.|'')*)'/gi;
const MAY_SET_PASSWORD = /PASSWORD|IDENTIFIED|password|identified/;

/** `INSERT INTO name (columns) VALUES`; the tuples after it are read by hand. */
const INSERT_COLUMNS = /\bINSERT\s+INTO\s+[\w."`[\]]+\s*\(([^()]{1,2000})\)\s*VALUES\s*/gi;
const MAX_TUPLES = 1000;

interface Literal {
  start: number;
  end: number;
}

/** The literals of the tuple that starts at the `(` at `at`, and where the tuple ends. */
function readTuple(text: string, at: number): { literals: (Literal | undefined)[]; end: number } {
  const literals: (Literal | undefined)[] = [];
  let i = at + 1;
  let current: Literal | undefined;
  while (i < text.length && text.charAt(i) !== ')') {
    const ch = text.charAt(i);
    if (ch === "'") {
      const close = closingQuote(text, i);
      current = { start: i + 1, end: close };
      i = close + 1;
    } else if (ch === ',') {
      literals.push(current);
      current = undefined;
      i++;
    } else {
      i++;
    }
  }
  literals.push(current);
  return { literals, end: i };
}

/** The quote closing the literal opened at `open`, past '' and \' escapes. */
function closingQuote(text: string, open: number): number {
  let i = open + 1;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '\\') i += 2;
    else if (ch === "'" && text.charAt(i + 1) === "'") i += 2;
    else if (ch === "'") return i;
    else i++;
  }
  return text.length;
}

function columnNames(list: string): string[] {
  return list.split(',').map((column) => column.trim().replace(/^[`"[]|[`"\]]$/g, ''));
}

/** Each VALUES tuple's literals, checked against what its column's name says it holds. */
function findInsertValues(
  table: KeyTable<LabelKind>,
  text: string,
  offset: number,
  out: Match[],
): void {
  eachMatch(INSERT_COLUMNS, text, (m) => {
    const kinds = columnNames(m[1] ?? '').map((name) => table.lookup(name, name.length)?.value);
    if (!kinds.some(Boolean)) return;
    let at = m.index + m[0].length;
    for (let tuple = 0; tuple < MAX_TUPLES && text.charAt(at) === '('; tuple++) {
      const { literals, end } = readTuple(text, at);
      literals.forEach((literal, i) => {
        const kind = kinds[i];
        if (literal && kind?.accepts(text.slice(literal.start, literal.end))) {
          pushMatch(out, kind.type, offset, literal.start, literal.end);
        }
      });
      at = end + 1;
      while (text.charAt(at) === ',' || text.charAt(at) === ' ') at++;
    }
  });
}

export function createSqlDetector(table: KeyTable<LabelKind>): TextDetector {
  return {
    types: ['secretParam', 'personName', 'address', 'passport', 'paymentCard'],
    scope: 'text',
    // Both forms hold their values in single-quoted literals.
    mayContain: (text) =>
      text.includes("'") &&
      (MAY_SET_PASSWORD.test(text) || text.includes('VALUES') || text.includes('values')),
    find(text: string, offset: number, out: Match[]): void {
      eachMatch(SQL_PASSWORD, text, (m) => {
        const value = m[1] ?? '';
        const end = m.index + m[0].length - 1;
        if (value.length > 0) pushMatch(out, 'secretParam', offset, end - value.length, end);
      });
      findInsertValues(table, text, offset, out);
    },
  };
}
