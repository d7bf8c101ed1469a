import { realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/** A key that would reach outside the folder it addresses (`..`, an absolute path, a symlink out). */
export class KeyOutsideRootError extends Error {
  constructor(
    readonly key: string,
    readonly root: string,
  ) {
    super(`The key ${JSON.stringify(key.slice(0, 300))} resolves outside ${root}; it is refused (keys are relative paths inside it).`);
    this.name = 'KeyOutsideRootError';
  }
}

const inside = (path: string, root: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

function real(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null; // not there (yet): there is no link to follow
  }
}

/**
 * The local path of `key` under `root`, refused when it lies outside: by its text, and, for what
 * exists, by where its symlinks really lead. Every read and write of a folder-backed store goes
 * through this, so no caller can be handed a path outside it, whatever a manifest says.
 */
export function containedPath(root: string, key: string): string {
  const base = resolve(root);
  if (key.includes('\0')) throw new KeyOutsideRootError(key, base);
  const path = resolve(base, key);
  if (!inside(path, base)) throw new KeyOutsideRootError(key, base);
  const target = real(path);
  if (target !== null && !inside(target, real(base) ?? base)) throw new KeyOutsideRootError(key, base);
  return path;
}
