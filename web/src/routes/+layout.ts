// SPA: the wall needs a browser (WebSocket, clock), and the data is per tenant at run time.
export const ssr = false;
export const prerender = false;
