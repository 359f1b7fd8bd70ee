/**
 * Paths named inside a dataset (MSD `dataset.json` entries) resolved against
 * the dataset folder, refusing any that lands outside it (`../..`, an
 * absolute path elsewhere) before anything is opened. The check is on the
 * path's text: a symbolic link inside the folder is followed, as users link
 * large image folders in.
 * @module
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * The absolute path of `p` relative to `root`, or `undefined` when it
 * resolves outside `root` (or is not a usable path: empty, or with a NUL byte).
 * @example insideFolder('/data/Task01', './imagesTr/a.nii.gz') // '/data/Task01/imagesTr/a.nii.gz'
 * @example insideFolder('/data/Task01', '../../etc/passwd') // undefined
 * @category datasets
 */
export function insideFolder(root: string, p: string): string | undefined {
  if (p === '' || p.includes('\0')) return undefined;
  const base = resolve(root);
  const full = resolve(base, p);
  const rel = relative(base, full);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return full;
}
