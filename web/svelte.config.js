// The app lives in web/ but the build runs from the repo root (`vite build --config
// web/vite.config.ts`), and SvelteKit resolves its paths against the working directory.
// Absolute paths make the same config work from either place (svelte-check runs in web/).
import { fileURLToPath } from 'node:url';
import adapter from '@sveltejs/adapter-static';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    // SPA: every number comes from the API at run time, so one fallback page serves all routes.
    adapter: adapter({ pages: here('./build'), assets: here('./build'), fallback: 'index.html', strict: false }),
    outDir: here('./.svelte-kit'),
    files: {
      src: here('./src'),
      assets: here('./static'),
      lib: here('./src/lib'),
      routes: here('./src/routes'),
      appTemplate: here('./src/app.html'),
      errorTemplate: here('./src/error.html'),
      hooks: {
        client: here('./src/hooks.client'),
        server: here('./src/hooks.server'),
        universal: here('./src/hooks'),
      },
      params: here('./src/params'),
      serviceWorker: here('./src/service-worker'),
    },
    typescript: {
      config(tsconfig) {
        // Kit adds <cwd>/test/**; run from the repo root that would pull the server's tests
        // into the web type-check. The web app's own tests live in test/unit/web.
        tsconfig.include = tsconfig.include.filter((p) => !/(^|\/)tests?\/\*\*/.test(p));
        // Shared contracts (pipelines/engine/types.ts, server/boards) import with .ts suffixes.
        tsconfig.compilerOptions.allowImportingTsExtensions = true;
        return tsconfig;
      },
    },
  },
};

export default config;
