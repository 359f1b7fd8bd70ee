/**
 * Test helpers: temporary folders under os.tmpdir(), and NiBabel (Debian's
 * python3-nibabel, run as /usr/bin/python3) as an independent NIfTI tool.
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder and a cleanup function. */
export function tempDir(prefix = 'colab-ts-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const PYTHON = '/usr/bin/python3';

/** Is NiBabel importable by /usr/bin/python3? */
export const hasNibabel: boolean = (() => {
  try {
    return spawnSync(PYTHON, ['-c', 'import nibabel'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
})();

/** Runs a Python snippet (with `nib` and `np` imported) and returns its stdout parsed as JSON. */
export function python<T>(code: string, args: readonly string[] = []): T {
  const script = `import sys, json\nimport numpy as np\nimport nibabel as nib\n${code}`;
  const out = execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as T;
}
