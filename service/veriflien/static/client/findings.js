// "What was observed": the findings of a result, in the words a counsellor can read aloud.
//
// Each finding is shown by its label and explanation, which the service writes in the result's
// language from its finding catalogue (advice/findings.toml). The technical detail (English, may
// quote a platform's marker or a regular expression) stays in the JSON and the evidence sheet:
// it is never put on screen here. A finding without words (an older service) shows the
// catalogue's "other finding" wording instead of its detail.

const FALLBACK = {
  fr: "Autre constat technique",
  en: "Other technical finding",
};

/** The finding's human label and explanation; never its technical detail. */
export function findingWords(finding, lang) {
  const label = typeof finding?.label === "string" && finding.label.trim() ? finding.label : null;
  const explanation =
    typeof finding?.explanation === "string" && finding.explanation.trim() ? finding.explanation : null;
  return { label: label ?? FALLBACK[lang] ?? FALLBACK.fr, explanation };
}

/**
 * The findings worth listing, in order: each once (a label repeated by several probes says
 * nothing more), the verdict's own rule last, as the service writes it.
 */
export function findingItems(findings, lang) {
  const items = [];
  const seen = new Set();
  for (const finding of Array.isArray(findings) ? findings : []) {
    if (!finding || typeof finding !== "object") continue;
    const { label, explanation } = findingWords(finding, lang);
    const key = `${label}\u0000${explanation ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    items.push({
      label,
      explanation,
      rule: finding.probe === "verdict",
      strength: ["weak", "medium", "strong"].includes(finding.strength) ? finding.strength : null,
      code: typeof finding.code === "string" ? finding.code : "",
    });
  }
  return items;
}

/**
 * A <ul class="findings"> of the items; `strengthWord(strength)` gives the words of a strength
 * tag in the page's language. Text only (textContent): nothing from a result is parsed.
 */
export function findingsList(findings, lang, strengthWord, doc = document) {
  const list = doc.createElement("ul");
  list.className = "findings";
  for (const item of findingItems(findings, lang)) {
    const li = doc.createElement("li");
    li.className = item.rule ? "finding rule" : "finding";
    li.dataset.code = item.code;
    if (item.strength) {
      const tag = doc.createElement("span");
      tag.className = `tag strength-${item.strength}`;
      tag.textContent = strengthWord(item.strength);
      li.append(tag);
    }
    const label = doc.createElement("strong");
    label.className = "finding-label";
    label.textContent = item.label;
    li.append(label);
    if (item.explanation) {
      const text = doc.createElement("span");
      text.className = "finding-text";
      text.textContent = ` ${item.explanation}`;
      li.append(text);
    }
    list.append(li);
  }
  return list;
}
