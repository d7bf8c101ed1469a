// The shapes of a page query (filters, sort keys), written once as JSON Schema with TypeBox: the
// API validates requests against them, and the readers take their static types.

import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** A string enum as JSON Schema's `enum` (plain errors: "must be one of a, b"), typed as its union. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: object = {}) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/** Names of columns and datasets as a request carries them. */
export const NameSchema = Type.String({ minLength: 1, maxLength: 200 });

export const FILTER_OPS = ['eq', 'neq', 'contains', 'starts', 'gt', 'gte', 'lt', 'lte', 'null', 'notnull'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export const FilterSchema = Type.Object(
  {
    column: NameSchema,
    op: StringEnum(FILTER_OPS),
    value: Type.Optional(Type.Unsafe<string | number | boolean>({ type: ['string', 'number', 'boolean'], maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type Filter = Static<typeof FilterSchema>;

export const FiltersSchema = Type.Array(FilterSchema, { maxItems: 20 });

export const SortKeySchema = Type.Object({ column: NameSchema, dir: StringEnum(['asc', 'desc'] as const) }, { additionalProperties: false });
export type SortKey = Static<typeof SortKeySchema>;

export const SortSchema = Type.Array(SortKeySchema, { maxItems: 5 });

export interface PageQuery {
  offset: number;
  limit: number;
  sort?: SortKey[];
  filters?: Filter[];
}

export type { TSchema };
