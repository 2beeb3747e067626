// SvelteKit reads svelte.config.js from the working directory; the app itself lives in web/.
export { default } from './web/svelte.config.js';
