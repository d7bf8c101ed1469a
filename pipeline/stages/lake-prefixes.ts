// The lake prefixes a stage reads and writes, as full locations (s3://bucket/prefix/raw/csv/ in the
// cloud, a folder locally), with their console page where the profile has one. A stage logs them
// when it starts (the app shows them live) and keeps them in its result (a resumed run copies it).
import type { ConsoleRef } from '../run/console-links.ts';
import type { PipelineContext } from './context.ts';

export interface LakePrefix {
  uri: string;
  access: 'reads' | 'writes';
  console?: ConsoleRef;
}

export function lakePrefixes(p: Pick<PipelineContext, 'lake' | 'console'>, access: { reads?: string[]; writes?: string[] }): LakePrefix[] {
  const root = p.lake.root.endsWith('/') ? p.lake.root : `${p.lake.root}/`;
  const one = (prefix: string, mode: LakePrefix['access']): LakePrefix => {
    const uri = `${root}${prefix}`;
    const console = p.console?.s3(uri);
    return { uri, access: mode, ...(console ? { console } : {}) };
  };
  return [...(access.reads ?? []).map((k) => one(k, 'reads')), ...(access.writes ?? []).map((k) => one(k, 'writes'))];
}

/** The line a stage logs when it starts: where it reads and writes, with the prefixes as fields. */
export function lakePrefixLine(prefixes: LakePrefix[]): [string, { lake: LakePrefix[] }] {
  const say = (mode: LakePrefix['access']) => {
    const uris = prefixes.filter((x) => x.access === mode).map((x) => x.uri);
    return uris.length ? `${mode} ${uris.join(', ')}` : '';
  };
  return [[say('reads'), say('writes')].filter(Boolean).join('; '), { lake: prefixes }];
}
