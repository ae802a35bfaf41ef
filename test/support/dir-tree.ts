/** Test support: a directory tree's contents, to show a failed start changed nothing. Not product code. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file and dir under `root` → its mode and (files) the sha256 of its bytes, sorted by path. */
export function treeDigest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      const mode = (st.mode & 0o777).toString(8);
      if (st.isDirectory()) {
        out[`${relative(root, path)}/`] = mode;
        walk(path);
      } else {
        out[relative(root, path)] = `${mode} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
      }
    }
  };
  walk(root);
  return out;
}
