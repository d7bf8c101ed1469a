// Quoting for the few places SQL text is assembled from names and values. Identifiers come from
// validated contracts, values from validated options; both are still quoted, never spliced raw.

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function literalList(values: readonly string[]): string {
  return `[${values.map(literal).join(', ')}]`;
}
