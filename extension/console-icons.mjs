// Draws the counsellor console's web app icons (service/veriflien/static/icon-*.png) with the
// extension's own icon code, in the console's colour, so that no binary is drawn by hand and the
// committed files can be checked against this script (tests/unit/test_console_app.py).
//
//   node extension/console-icons.mjs                   -> service/veriflien/static/icon-*.png
//   VERIFLIEN_ICONS_OUT=/tmp/icons node extension/console-icons.mjs
//
// Two sizes, the two a web app manifest needs (192 and 512 px), each twice: "any" (a disc on
// transparent corners) and "maskable" (full-bleed, for systems that cut icons to their own shape).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { iconPng } from "./build.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const NAVY = [22, 58, 105]; // --primary-dark in console.css, the favicon's shield
export const CONSOLE_ICONS = [192, 512].flatMap((size) => [
  { name: `icon-${size}.png`, size, maskable: false },
  { name: `icon-maskable-${size}.png`, size, maskable: true },
]);

const out = resolve(process.env.VERIFLIEN_ICONS_OUT || join(HERE, "..", "service", "veriflien", "static"));
mkdirSync(out, { recursive: true });
for (const { name, size, maskable } of CONSOLE_ICONS) {
  const png = iconPng(size, { colour: NAVY, maskable });
  writeFileSync(join(out, name), png);
  console.log(`${join(out, name)} (${png.length} bytes)`);
}
