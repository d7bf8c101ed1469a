import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { containedPath } from './contained-path.ts';
import { LakeObjectMissingError, type Lake, type LakeObject } from './types.ts';

/** The lake as a local folder. Writes go to a temp name first so a reader never sees half a file. */
export class LocalLake implements Lake {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    return containedPath(this.root, key);
  }

  uri(key: string): string {
    return this.path(key);
  }

  async localPath(key: string): Promise<string> {
    const p = this.path(key);
    if (!(await this.exists(key))) throw new LakeObjectMissingError(key, this.root);
    return p;
  }

  localRoots(): string[] {
    return [this.root];
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.path(key));
      return true;
    } catch {
      return false;
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    await copyFile(localPath, tmp);
    await rename(tmp, target);
  }

  async putText(key: string, text: string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    await writeFile(tmp, text);
    await rename(tmp, target);
  }

  async getText(key: string): Promise<string | null> {
    try {
      return await readFile(this.path(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async readHead(key: string, maxBytes: number): Promise<string> {
    const fh = await open(this.path(key), 'r');
    try {
      const buf = Buffer.alloc(maxBytes);
      const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  }

  async list(prefix: string): Promise<LakeObject[]> {
    const base = this.path(prefix);
    const out: LakeObject[] = [];
    const walk = async (dir: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) out.push({ key: relative(this.root, p).split(sep).join('/'), size: (await stat(p)).size });
      }
    };
    await walk(base.endsWith(sep) || prefix.endsWith('/') ? base : dirname(base));
    return out.filter((o) => o.key.startsWith(prefix)).sort((a, b) => a.key.localeCompare(b.key));
  }

  async removePrefix(prefix: string): Promise<void> {
    if (prefix.endsWith('/')) {
      await rm(this.path(prefix), { recursive: true, force: true });
      return;
    }
    for (const o of await this.list(prefix)) await rm(this.path(o.key), { force: true });
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.path(to);
    await mkdir(dirname(target), { recursive: true });
    await rename(this.path(from), target);
  }
}
