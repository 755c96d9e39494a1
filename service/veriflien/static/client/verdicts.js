// How each verdict looks, in the console and the extension alike: an icon and a tone.
//
// A verdict never relies on colour alone (WCAG 1.4.1): it has a shape and its words too (the
// words are in words.js). The icons are drawn with DOM calls, not parsed markup, from static data
// of ours: nothing from a check result ever goes through here. Purely decorative (aria-hidden).

const SVG_NS = "http://www.w3.org/2000/svg";

// Each shape: [element, attributes] pairs, on a 24×24 stroked grid.
const SHAPES = {
  lock: [
    ["rect", { x: 5, y: 11, width: 14, height: 10, rx: 2 }],
    ["path", { d: "M8 11V7a4 4 0 0 1 8 0v4" }],
  ],
  eye: [
    ["path", { d: "M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z" }],
    ["circle", { cx: 12, cy: 12, r: 3 }],
  ],
  link: [
    ["path", { d: "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1" }],
    ["path", { d: "M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" }],
  ],
  bin: [
    ["path", { d: "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" }],
    ["path", { d: "M10 11v6M14 11v6" }],
  ],
  half: [
    ["circle", { cx: 12, cy: 12, r: 9 }],
    ["path", { d: "M12 3a9 9 0 0 0 0 18z", fill: "currentColor" }],
  ],
  person: [
    ["circle", { cx: 12, cy: 8, r: 4 }],
    ["path", { d: "M4 21a8 8 0 0 1 16 0" }],
  ],
  noVideo: [
    ["rect", { x: 3, y: 6, width: 13, height: 12, rx: 2 }],
    ["path", { d: "M16 10l5-3v10l-5-3" }],
    ["path", { d: "M3 3l18 18" }],
  ],
  warning: [
    ["path", { d: "M12 3L2 21h20L12 3z" }],
    ["path", { d: "M12 10v5M12 18v.5" }],
  ],
  offline: [
    ["path", { d: "M2 8.5a15 15 0 0 1 20 0M5 12a10 10 0 0 1 14 0M8.5 15.5a5 5 0 0 1 7 0" }],
    ["path", { d: "M12 19v.5" }],
    ["path", { d: "M3 3l18 18" }],
  ],
  shield: [
    ["path", { d: "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6l8-3z" }],
    ["path", { d: "M8 12h8" }],
  ],
  cross: [
    ["circle", { cx: 12, cy: 12, r: 9 }],
    ["path", { d: "M9 9l6 6M15 9l-6 6" }],
  ],
  question: [
    ["circle", { cx: 12, cy: 12, r: 9 }],
    ["path", { d: "M9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6V14" }],
    ["path", { d: "M12 17v.5" }],
  ],
};

/** Icon and tone of each verdict. Tone: "alert" (others can see it, or a trap), "calm" (nobody
 * else can watch it), "neutral" (nothing could be concluded either way). */
export const VERDICT_LOOK = {
  public: { icon: "eye", tone: "alert" },
  unlisted: { icon: "link", tone: "alert" },
  suspicious: { icon: "warning", tone: "alert" },
  private: { icon: "lock", tone: "calm" },
  removed: { icon: "bin", tone: "calm" },
  incomplete: { icon: "half", tone: "calm" },
  no_video: { icon: "noVideo", tone: "calm" },
  login_required: { icon: "person", tone: "neutral" },
  unreachable: { icon: "offline", tone: "neutral" },
  refused: { icon: "shield", tone: "neutral" },
  invalid_url: { icon: "cross", tone: "neutral" },
  unknown: { icon: "question", tone: "neutral" },
};

/** Verdicts that say nothing new about the video (a watch keeps its last real answer). */
export const INCONCLUSIVE = new Set(["unknown", "unreachable", "refused", "invalid_url"]);

/** A verdict this client knows; a newer service's verdict reads as "unknown". */
export function knownVerdict(verdict) {
  return Object.hasOwn(VERDICT_LOOK, verdict) ? verdict : "unknown";
}

export function verdictTone(verdict) {
  return VERDICT_LOOK[knownVerdict(verdict)].tone;
}

/** The verdict's icon: <svg class="icon verdict-icon" data-shape="lock" aria-hidden="true">. */
export function verdictIcon(verdict, doc = document) {
  const shape = VERDICT_LOOK[knownVerdict(verdict)].icon;
  const svg = doc.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "icon verdict-icon");
  svg.dataset.shape = shape;
  for (const [tag, attributes] of SHAPES[shape]) {
    const part = doc.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes)) part.setAttribute(name, String(value));
    svg.append(part);
  }
  return svg;
}
