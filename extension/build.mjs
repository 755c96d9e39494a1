// Builds the extension for Chromium and Firefox from one source tree (extension/src) and one
// manifest template (extension/manifest.template.json). No dependency: Node's own zlib is enough
// for the PNG icons and the ZIP archives.
//
//   node extension/build.mjs                                   -> dist/chromium, dist/firefox,
//                                                                 dist/veriflien-chromium.zip,
//                                                                 dist/veriflien-firefox.zip
//   VERIFLIEN_INSTANCE=https://aide.example.org node extension/build.mjs   (instance preset)
//   VERIFLIEN_DIST=/tmp/out node extension/build.mjs                      (output directory)
//   VERIFLIEN_TEST_WATCH_SECONDS=3 node extension/build.mjs    (TEST BUILD: see testWatchSeconds)
//
// Why two generated manifests rather than one manifest declaring both background keys (Privacy
// Badger's MV3 choice): the build must already write the instance origin into host_permissions,
// so emitting one manifest per browser costs nothing, and each browser then sees only keys it
// understands. With a single manifest, Chromium shows "'background.scripts' requires manifest
// version 2 or lower" and "Unrecognized manifest key 'browser_specific_settings'" on its
// extensions page, and Firefox keeps an unused service_worker key. The template holds both
// background forms; buildManifest() removes the one each browser does not use. The JavaScript,
// HTML and messages are byte-identical in both builds.
//
// The client library the extension shares with the counsellor console (event-stream parsing,
// verdict words, icons and tones, findings, report links, finding links in a text, building page
// elements) has one source, service/veriflien/static/client/, which the service serves to the
// console as is; the build copies it into each package as lib/client/.

import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync, deflateSync } from "node:zlib";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");
const SRC = join(HERE, "src");
export const CLIENT = join(ROOT, "service", "veriflien", "static", "client");
const DEFAULT_INSTANCE = "http://127.0.0.1:8080";
const TARGETS = ["chromium", "firefox"];

/** The instance preset: an http(s) origin, optionally with a path prefix; never credentials. */
export function normaliseInstance(raw) {
  let url;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`VERIFLIEN_INSTANCE is not a URL: ${raw}`);
  }
  // Over plain http anyone on the network path could read the links being checked: http is
  // accepted only for an instance on the same computer (the same rule as the options page).
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new Error("VERIFLIEN_INSTANCE must start with https:// (http:// only for 127.0.0.1).");
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error("VERIFLIEN_INSTANCE must not contain credentials, a query or a fragment.");
  }
  return (url.origin + url.pathname).replace(/\/+$/, "");
}

/** Host permission for an instance. No port: Firefox match patterns cannot hold one (bug
 * 1362809), and in Chromium a pattern without a port matches every port of that host. */
export function instancePattern(instance) {
  const url = new URL(instance);
  return `${url.protocol}//${url.hostname}/*`;
}

/**
 * The end-to-end tests' shortened watch period, in seconds, or null for a real build.
 *
 * A watched link is re-checked every 6, 12 or 24 hours; a test cannot wait that long. This
 * setting exists only at build time, so no one using a published package can reach it by
 * accident: a build made with it says so in the extension's name, and build() prints a warning.
 */
export function testWatchSeconds(raw) {
  if (raw === undefined || raw === null || String(raw).trim() === "") return null;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new Error("VERIFLIEN_TEST_WATCH_SECONDS must be a whole number of seconds, 1 to 3600.");
  }
  return seconds;
}

export function buildManifest(template, target, { version, instance, watchSeconds = null }) {
  const manifest = JSON.parse(
    template
      .replaceAll("@VERSION@", version)
      .replaceAll("@INSTANCE_PATTERN@", instancePattern(instance)),
  );
  if (watchSeconds !== null) {
    manifest.name = `Vérif'Lien TEST BUILD (watch every ${watchSeconds} s)`;
  }
  if (target === "chromium") {
    delete manifest.background.scripts; // Chromium MV3 runs background.service_worker
    delete manifest.browser_specific_settings;
  } else {
    delete manifest.background.service_worker; // Firefox MV3 runs background.scripts (event page)
  }
  return manifest;
}

// --- PNG icons: a calm teal disc with a white check mark, drawn here so no binary is committed --

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function segmentDistance(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * A square PNG icon: a disc of `colour` with a white check mark. `maskable`: the colour fills the
 * whole square (a web app icon the system may cut to any shape); the check mark stays inside the
 * central circle of 40 % radius that every mask keeps (the W3C manifest's "safe zone").
 */
export function iconPng(size, { colour = [47, 111, 115], maskable = false } = {}) {
  const teal = colour;
  const check = [[0.28, 0.52], [0.44, 0.68], [0.73, 0.36]];
  const samples = 4;
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let x = 0; x < size; x++) {
      let disc = 0;
      let mark = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const px = (x + (sx + 0.5) / samples) / size;
          const py = (y + (sy + 0.5) / samples) / size;
          if (maskable || Math.hypot(px - 0.5, py - 0.5) <= 0.48) {
            disc++;
            const d = Math.min(
              segmentDistance(px, py, check[0], check[1]),
              segmentDistance(px, py, check[1], check[2]),
            );
            if (d <= 0.07) mark++;
          }
        }
      }
      const n = samples * samples;
      const white = mark / Math.max(disc, 1);
      const o = 1 + x * 4;
      for (let i = 0; i < 3; i++) row[o + i] = Math.round(teal[i] * (1 - white) + 255 * white);
      row[o + 3] = Math.round((255 * disc) / n);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(Buffer.concat(rows), { level: 9 })),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

// --- ZIP: deflate entries, fixed timestamps and sorted names, so a build is reproducible --------

function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

export function zipDirectory(dir) {
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const path of listFiles(dir)) {
    const name = Buffer.from(relative(dir, path).split(sep).join("/"), "utf8");
    const data = readFileSync(path);
    const packed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    // The local header (from its byte 4) and the central directory entry (from its byte 6) hold
    // the same fields in the same order: written once, copied into both.
    const shared = Buffer.alloc(26);
    shared.writeUInt16LE(20, 0); // version needed
    shared.writeUInt16LE(0x0800, 2); // UTF-8 names
    shared.writeUInt16LE(8, 4); // deflate
    shared.writeUInt16LE(0, 6); // time 00:00
    shared.writeUInt16LE(DOS_DATE, 8);
    shared.writeUInt32LE(crc, 10);
    shared.writeUInt32LE(packed.length, 14);
    shared.writeUInt32LE(data.length, 18);
    shared.writeUInt16LE(name.length, 22);
    shared.writeUInt16LE(0, 24); // no extra field
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    shared.copy(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    shared.copy(central, 6);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

// --- the build -----------------------------------------------------------------------------------

export function build({
  instance = DEFAULT_INSTANCE,
  outDir = join(ROOT, "dist"),
  watchSeconds = null,
} = {}) {
  const preset = normaliseInstance(instance);
  const testSeconds = testWatchSeconds(watchSeconds);
  const { version } = JSON.parse(readFileSync(join(HERE, "package.json"), "utf8"));
  const template = readFileSync(join(HERE, "manifest.template.json"), "utf8");
  const icons = Object.fromEntries([16, 32, 48, 128].map((s) => [s, iconPng(s)]));
  const built = {};
  for (const target of TARGETS) {
    const dir = join(outDir, target);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(SRC, dir, { recursive: true });
    cpSync(CLIENT, join(dir, "lib", "client"), { recursive: true });
    const manifest = buildManifest(template, target, {
      version,
      instance: preset,
      watchSeconds: testSeconds,
    });
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    writeFileSync(
      join(dir, "lib", "preset.js"),
      "// Generated by build.mjs: the instance this build talks to until the user changes it.\n" +
        `export const DEFAULT_INSTANCE = ${JSON.stringify(preset)};\n` +
        `export const TARGET = ${JSON.stringify(target)};\n` +
        "// Null in every real build; a number of seconds only in the end-to-end tests' build.\n" +
        `export const TEST_WATCH_SECONDS = ${JSON.stringify(testSeconds)};\n`,
    );
    mkdirSync(join(dir, "icons"), { recursive: true });
    for (const [size, png] of Object.entries(icons)) {
      writeFileSync(join(dir, "icons", `icon-${size}.png`), png);
    }
    const zip = zipDirectory(dir);
    const zipPath = join(outDir, `veriflien-${target}.zip`);
    writeFileSync(zipPath, zip);
    built[target] = { dir, zip: zipPath, sha256: createHash("sha256").update(zip).digest("hex") };
  }
  return { instance: preset, watchSeconds: testSeconds, ...built };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = build({
      instance: process.env.VERIFLIEN_INSTANCE || DEFAULT_INSTANCE,
      outDir: resolve(process.env.VERIFLIEN_DIST || join(ROOT, "dist")),
      watchSeconds: process.env.VERIFLIEN_TEST_WATCH_SECONDS,
    });
    console.log(`instance preset: ${result.instance}`);
    if (result.watchSeconds !== null) {
      console.warn(
        `WARNING: test build, watched links are re-checked every ${result.watchSeconds} s. ` +
          "Never publish it.",
      );
    }
    for (const target of TARGETS) {
      console.log(`${target}: ${result[target].dir}\n  ${result[target].zip} sha256=${result[target].sha256}`);
    }
  } catch (error) {
    console.error(`build failed: ${error.message}`);
    process.exit(1);
  }
}
