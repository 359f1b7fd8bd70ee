import { defineConfig } from 'tsup';

// nifti-reader-js ships ESM only (its exports have no "require" condition), so
// the CommonJS build bundles it (and its fflate) instead of requiring it.
export default defineConfig({ noExternal: ['nifti-reader-js', 'fflate'] });
