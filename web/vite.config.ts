import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// The API runs on the same origin in production; in `npm run dev:web` proxy it to a local
// Floorwatch on :3000 so cookies and the WebSocket path behave the same.
export default defineConfig({
  plugins: [sveltekit()],
  // Kit's server runtime (used at build time to render the SPA fallback page) needs
  // cookie 0.6, nested under @sveltejs/kit; left external it would resolve to the
  // root's cookie 2.x (from @fastify/cookie), which has a different API.
  ssr: { noExternal: ['cookie'] },
  server: {
    proxy: {
      '/v1': { target: 'http://127.0.0.1:3000', ws: true },
    },
  },
});
