import { Faker, en_US, en } from '@faker-js/faker';

/** Name and street pools. Faker is only called here, a few thousand times; rows draw from pools. */
export interface Pools {
  femaleFirst: string[];
  maleFirst: string[];
  last: string[];
  streets: string[];
}

function uniqueDraws(n: number, draw: () => string, maxAttempts = n * 20): string[] {
  const seen = new Set<string>();
  for (let i = 0; i < maxAttempts && seen.size < n; i++) {
    // Commas and quotes stay out of pools so raw CSV quoting is exercised only where we choose.
    const v = draw().replace(/[,"]/g, '').trim();
    if (v) seen.add(v);
  }
  return [...seen];
}

export function buildPools(seed: number): Pools {
  const faker = new Faker({ locale: [en_US, en] });
  faker.seed(seed);
  return {
    femaleFirst: uniqueDraws(1500, () => faker.person.firstName('female')),
    maleFirst: uniqueDraws(1500, () => faker.person.firstName('male')),
    last: uniqueDraws(3000, () => faker.person.lastName()),
    streets: uniqueDraws(4000, () => faker.location.street()),
  };
}
