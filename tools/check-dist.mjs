// After `pnpm build`: every package's built entry loads in Node as ESM and as
// CommonJS and exports the same names (catches bundles that import
// dependencies by paths Node's ESM resolver rejects).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let failed = 0;
for (const dir of readdirSync(new URL('../packages/', import.meta.url))) {
  const { name } = JSON.parse(readFileSync(new URL(`../packages/${dir}/package.json`, import.meta.url), 'utf8'));
  try {
    const esm = Object.keys(await import(name)).sort();
    const cjs = Object.keys(require(name))
      .filter((k) => k !== 'default' && k !== '__esModule')
      .sort();
    if (esm.join() !== cjs.join()) throw new Error(`ESM exports ${esm.length} names, CJS ${cjs.length}`);
    console.log(`ok ${name}: ${esm.length} exports (ESM and CJS)`);
  } catch (e) {
    failed++;
    console.error(`FAIL ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
process.exit(failed ? 1 : 0);
