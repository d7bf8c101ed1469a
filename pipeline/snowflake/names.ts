// Names between the product and Snowflake. Snowflake stores an unquoted identifier in upper case
// (raw.claims is RAW.CLAIMS, member_id is MEMBER_ID), and Glue job 2 and dbt-snowflake create
// every object unquoted. The product names everything in lower case, as DuckDB does. So:
//   - names Snowflake reports (catalog, result columns) are folded: an all-upper-case plain name
//     is shown in lower case; any other name (created quoted: "mixedCase", "with space") as it is;
//   - names the product writes go the other way: a lower-case plain name is the upper-case
//     identifier, anything else is quoted as it is.
// So `raw.claims` and `RAW.CLAIMS` are the same table on both warehouses, and the read models'
// SQL (unquoted names) and their result keys (lower case) work unchanged. A quoted all-lower-case
// name ("claims") would be shown like CLAIMS: the product creates none, and the catalog lookups
// resolve such a name only where no upper-case one exists.

const UPPER_PLAIN = /^[A-Z_][A-Z0-9_$]*$/;
const LOWER_PLAIN = /^[a-z_][a-z0-9_$]*$/;

/** A name as Snowflake reports it, as the product shows it. */
export function fold(name: string): string {
  return UPPER_PLAIN.test(name) ? name.toLowerCase() : name;
}

/** The name Snowflake stores for a name the product uses. */
export function stored(name: string): string {
  return LOWER_PLAIN.test(name) ? name.toUpperCase() : name;
}

/** A quoted identifier for a name the product uses (`claims` -> "CLAIMS", `Mixed` -> "Mixed"). */
export function ident(name: string): string {
  return `"${stored(name).replaceAll('"', '""')}"`;
}

/** database.schema.name, each part quoted. */
export function qualified(...parts: string[]): string {
  return parts.map(ident).join('.');
}

/** A string literal (quotes doubled, backslashes escaped: Snowflake reads backslash escapes in literals). */
export function literal(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Refuses a setting's name that is not a plain identifier (the names deploy creates come from settings). */
export function plainName(name: string, what: string): string {
  if (!PLAIN_NAME.test(name)) throw new Error(`${what} "${name}" is not a plain Snowflake identifier: use letters, digits, _ and $, starting with a letter or _.`);
  return name.toUpperCase();
}
