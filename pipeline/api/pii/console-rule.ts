// What the SQL console accepts while a session masks PII. Output columns are masked by name, so the
// rule keeps a PII value from reaching the output under another name or shape, and keeps queries
// from testing PII values (WHERE first_name = 'Ann' answers whether one is Ann). Checked on the text
// with comments and string literals blanked (the console's own tokenizer), quoted identifiers read
// as names, case-insensitively:
//  1. a PII column name appears only as a plain item of the outermost select list (`first_name`,
//     `m.first_name`, followed by `,` or FROM): no alias, expression, WHERE, JOIN, ORDER BY, CTE;
//  2. `*` only as an outermost select item (`*`, `m.*`, followed by `,` or FROM) or in `count(*)`:
//     no star in a subquery or CTE (where its columns could be renamed), no EXCLUDE/REPLACE/ILIKE;
//  3. no COLUMNS(...), PIVOT or UNPIVOT (columns reached without their names);
//  4. no column alias lists (`FROM raw.members AS m(a, b)`, `WITH t(a) AS (...)`), which rename;
//  5. no whole-row reference (`SELECT m FROM raw.members m`, `to_json(m)`): a relation's name or
//     alias only ever qualifies a column (`m.city`).
// A query that breaks a rule is refused with the offending word's position and how to reveal.

import { blankLiterals } from '../../snowflake/user-query.ts';
import { UserQueryError } from '../../warehouse/reader.ts';

interface Token {
  text: string;
  upper: string;
  kind: 'word' | 'quoted' | 'punct';
  depth: number;
  at: number;
}

function tokenize(sql: string): Token[] {
  const plain = blankLiterals(sql);
  const out: Token[] = [];
  let depth = 0;
  let i = 0;
  while (i < plain.length) {
    const ch = plain[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'") {
      // a blanked string literal: skip to its closing quote
      const end = plain.indexOf("'", i + 1);
      i = end < 0 ? plain.length : end + 1;
      continue;
    }
    if (ch === '"') {
      const end = plain.indexOf('"', i + 1);
      const stop = end < 0 ? plain.length : end;
      const text = sql.slice(i + 1, stop).replaceAll('""', '"');
      out.push({ text, upper: text.toUpperCase(), kind: 'quoted', depth, at: i });
      i = stop + 1;
      continue;
    }
    const word = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(plain.slice(i, i + 256));
    if (word) {
      out.push({ text: word[0], upper: word[0].toUpperCase(), kind: 'word', depth, at: i });
      i += word[0].length;
      continue;
    }
    if (ch === ')') depth = Math.max(0, depth - 1);
    out.push({ text: ch, upper: ch, kind: 'punct', depth, at: i });
    if (ch === '(') depth++;
    i++;
  }
  return out;
}

const KEYWORDS = new Set(
  ('SELECT FROM WHERE AND OR NOT IN IS NULL AS ON JOIN LEFT RIGHT FULL INNER OUTER CROSS NATURAL POSITIONAL ASOF LATERAL USING GROUP BY ORDER HAVING QUALIFY WINDOW LIMIT OFFSET ' +
    'UNION ALL EXCEPT INTERSECT DISTINCT CASE WHEN THEN ELSE END EXISTS BETWEEN LIKE ILIKE SIMILAR ANY SOME WITH RECURSIVE MATERIALIZED VALUES OVER PARTITION FILTER ' +
    'ROWS RANGE PRECEDING FOLLOWING CURRENT ROW ASC DESC NULLS FIRST LAST INTERVAL CAST TRY_CAST TOP SAMPLE TABLESAMPLE ESCAPE COLLATE AT ZONE').split(' '),
);
/** type names that take a `(`: `CAST(x AS DECIMAL(10, 2))` is no alias list */
const TYPES = new Set('DECIMAL NUMERIC NUMBER VARCHAR CHAR CHARACTER STRING TEXT TIMESTAMP TIMESTAMP_NTZ TIMESTAMP_LTZ TIMESTAMP_TZ TIME STRUCT MAP UNION ARRAY LIST FLOAT DOUBLE BIT VARBINARY BINARY ENUM'.split(' '));
const FROM_END = new Set(['WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'ORDER', 'LIMIT', 'OFFSET', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT', 'SELECT', 'ON', 'USING']);
const ENUMERATORS = new Set(['COLUMNS', 'PIVOT', 'UNPIVOT', 'PIVOT_WIDER', 'PIVOT_LONGER']);

const REVEAL_HINT = 'Select PII columns plainly (their values show masked), or reveal PII for this session (Reveal PII in the top bar) to query them freely.';

function position(sql: string, offset: number) {
  const before = sql.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1, offset };
}

/**
 * Refuses (UserQueryError) a console query that could carry or test PII while masked. `masked` are
 * the masked column names, lower case.
 */
export function checkMaskedQuery(sql: string, masked: ReadonlySet<string>): void {
  const t = tokenize(sql);
  const refuse = (tok: Token, why: string): never => {
    throw new UserQueryError(`PII is masked in this session: ${why}`, position(sql, tok.at), REVEAL_HINT);
  };
  const isWord = (k: Token | undefined) => k !== undefined && k.kind !== 'punct';

  // the outermost select list: from the first SELECT at depth 0 to its FROM at depth 0
  const outerSelect = t.findIndex((k) => k.depth === 0 && k.upper === 'SELECT');
  let outerEnd = t.findIndex((k, i) => i > outerSelect && k.depth === 0 && (k.upper === 'FROM' || FROM_END.has(k.upper)));
  if (outerEnd < 0) outerEnd = t.length;
  const inOuterList = (i: number) => outerSelect >= 0 && i > outerSelect && i < outerEnd && t[i]!.depth === 0;
  /** the item starts right after SELECT, DISTINCT or a comma */
  const itemStart = (i: number) => {
    const p = t[i - 1];
    return p !== undefined && (p.upper === 'SELECT' || p.upper === 'DISTINCT' || p.upper === ',') && i - 1 >= outerSelect;
  };
  /** the item ends right after: a comma, or the end of the list */
  const itemEnd = (i: number) => i + 1 === outerEnd || t[i + 1]?.upper === ',';
  /** the token at i, or `q.` + the token, is a whole select item of the outermost list */
  const plainItem = (i: number) => {
    if (!inOuterList(i) || !itemEnd(i)) return false;
    if (itemStart(i)) return true;
    return t[i - 1]?.upper === '.' && isWord(t[i - 2]) && itemStart(i - 2);
  };

  // relation names and aliases: after FROM / JOIN, and after commas of a FROM clause
  const relations = new Set<string>();
  const declared = new Set<number>();
  const fromAt: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const k = t[i]!;
    while (fromAt.length && (k.depth < fromAt.at(-1)! || (k.depth === fromAt.at(-1)! && FROM_END.has(k.upper)))) fromAt.pop();
    const relationStart = k.upper === 'FROM' || k.upper === 'JOIN' || (k.upper === ',' && fromAt.at(-1) === k.depth);
    if (k.upper === 'FROM') fromAt.push(k.depth);
    if (!relationStart) continue;
    let j = i + 1;
    if (t[j]?.upper === 'LATERAL') j++;
    if (t[j]?.upper === '(') {
      const d = t[j]!.depth;
      j++;
      while (j < t.length && !(t[j]!.upper === ')' && t[j]!.depth === d)) j++;
      j++;
    } else {
      while (isWord(t[j]) && t[j + 1]?.upper === '.' && isWord(t[j + 2])) {
        declared.add(j);
        j += 2;
      }
      if (isWord(t[j])) {
        relations.add(t[j]!.upper);
        declared.add(j);
        j++;
        // a table function's arguments
        if (t[j]?.upper === '(') {
          const d = t[j]!.depth;
          j++;
          while (j < t.length && !(t[j]!.upper === ')' && t[j]!.depth === d)) j++;
          j++;
        }
      }
    }
    if (t[j]?.upper === 'AS') j++;
    if (isWord(t[j]) && !KEYWORDS.has(t[j]!.upper)) {
      relations.add(t[j]!.upper);
      declared.add(j);
    }
  }

  // the outermost select list's output names (`count(*) AS members`): a plain `ORDER BY members` sorts by the output
  const outputs = new Set(t.filter((k, i) => inOuterList(i) && t[i - 1]?.upper === 'AS' && k.kind !== 'punct').map((k) => k.upper));
  const lastOrderBy = t.findLastIndex((k, i) => k.depth === 0 && k.upper === 'ORDER' && t[i + 1]?.upper === 'BY');
  const sortsByOutput = (i: number) =>
    lastOrderBy >= 0 && i > lastOrderBy && t[i]!.depth === 0 && outputs.has(t[i]!.upper) && ['BY', ','].includes(t[i - 1]?.upper ?? '') && (i + 1 === t.length || [',', 'ASC', 'DESC', 'NULLS', 'LIMIT', 'OFFSET'].includes(t[i + 1]!.upper));

  for (let i = 0; i < t.length; i++) {
    const k = t[i]!;
    const prev = t[i - 1];
    const next = t[i + 1];
    if (k.kind !== 'punct' && masked.has(k.text.toLowerCase()) && prev?.upper !== 'AS') {
      if (!plainItem(i)) refuse(k, `${k.text} is personal data and may only be selected as a plain output column, not used in a condition, join, sort, expression, alias or subquery.`);
      continue;
    }
    if (k.kind === 'word' && ENUMERATORS.has(k.upper) && (k.upper !== 'COLUMNS' || next?.upper === '(')) refuse(k, `${k.text} reaches columns without naming them.`);
    if (k.upper === '*') {
      const column = prev === undefined || ['SELECT', 'DISTINCT', ',', '(', '.'].includes(prev.upper);
      if (!column) continue; // multiplication
      if (prev?.upper === '(' && next?.upper === ')' && t[i - 2]?.upper === 'COUNT') continue;
      const whole = prev?.upper === '.' ? isWord(t[i - 2]) && itemStart(i - 2) : itemStart(i);
      if (!(inOuterList(i) && whole && itemEnd(i))) refuse(k, 'a * may only be a plain item of the outermost select list (or count(*)): its columns are then masked by name.');
    }
    // an alias list renames columns: `AS m(a, b)`, `raw.members m(a)`, `WITH t(a) AS (...)`
    if (k.kind === 'word' && next?.upper === '(' && !KEYWORDS.has(k.upper)) {
      const aliasAfterAs = prev?.upper === 'AS' && !TYPES.has(k.upper);
      const aliasAfterName = isWord(prev) && !KEYWORDS.has(prev!.upper) && declared.has(i);
      if (aliasAfterAs || aliasAfterName) refuse(k, `a column alias list (${k.text}(...)) renames columns.`);
    }
    if (k.upper === ')' && next?.upper === 'AS' && (t[i + 2]?.upper === '(' || t[i + 2]?.upper === 'MATERIALIZED' || t[i + 2]?.upper === 'NOT')) {
      refuse(next, 'a common table expression with a column list renames columns.');
    }
    // a relation's name or alias, not qualifying a column and not where it is declared (FROM, an
    // output alias, a CTE's name): the whole row
    const cteName = next?.upper === 'AS' && ['(', 'MATERIALIZED', 'NOT'].includes(t[i + 2]?.upper ?? '');
    if (k.kind !== 'punct' && relations.has(k.upper) && !sortsByOutput(i) && !declared.has(i) && !cteName && next?.upper !== '.' && prev?.upper !== '.' && prev?.upper !== 'AS') {
      refuse(k, `${k.text} used as a value is a whole row of a relation; name its columns instead (${k.text}.column).`);
    }
  }
}
