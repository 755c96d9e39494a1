// Placeholder for running from the source tree: build.mjs overwrites this file in each build
// with the instance preset (VERIFLIEN_INSTANCE) and the target browser.
export const DEFAULT_INSTANCE = "http://127.0.0.1:8080";
export const TARGET = "source";
export const TEST_WATCH_SECONDS = null;
