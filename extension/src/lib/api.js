// One name for the WebExtension API: Firefox exposes `browser` (and `chrome`), Chromium only
// `chrome`. Both return promises in Manifest V3, so the rest of the code never uses callbacks.
export const ext = globalThis.browser ?? globalThis.chrome;
