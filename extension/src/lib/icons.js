// Verdict icons as inline SVG (24×24, stroked), built with DOM calls: no emoji font needed, no
// markup parsing. Purely decorative (aria-hidden): the verdict is always written next to it.
const SVG = "http://www.w3.org/2000/svg";

const SHAPES = {
  lock: ["M6 11h12v9H6z", "M8.5 11V8a3.5 3.5 0 0 1 7 0v3"],
  eye: ["M2 12s3.6-6.5 10-6.5S22 12 22 12s-3.6 6.5-10 6.5S2 12 2 12z", "M12 9.2a2.8 2.8 0 1 0 0 5.6 2.8 2.8 0 0 0 0-5.6z"],
  link: ["M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1", "M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"],
  gone: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M5.6 5.6l12.8 12.8"],
  partial: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M12 3v18", "M12 7h4", "M12 11h6", "M12 15h5"],
  empty: ["M4 6h16v12H4z", "M4 18L20 6"],
  person: ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4.5 21a7.5 7.5 0 0 1 15 0"],
  warning: ["M12 3.5l9.5 16.5h-19z", "M12 10v4.5", "M12 17.2v.1"],
  shield: ["M12 3l8 3v6c0 4.7-3.4 7.9-8 9-4.6-1.1-8-4.3-8-9V6z"],
  info: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M12 11v6", "M12 7.5v.1"],
  question: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M9.6 9.3a2.5 2.5 0 1 1 3.4 2.4c-.7.3-1 .8-1 1.6", "M12 16.8v.1"],
};

export const VERDICT_SHAPE = {
  public: "eye",
  unlisted: "link",
  private: "lock",
  removed: "gone",
  incomplete: "partial",
  login_required: "person",
  no_video: "empty",
  suspicious: "warning",
  unreachable: "info",
  refused: "shield",
  invalid_url: "info",
  unknown: "question",
};

export function verdictIcon(verdict) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "36");
  svg.setAttribute("height", "36");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "verdict-icon");
  svg.dataset.shape = VERDICT_SHAPE[verdict] ?? "question";
  for (const d of SHAPES[svg.dataset.shape]) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}
