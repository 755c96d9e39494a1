// Where to report, as both clients show it: which links become buttons, in which order.
//
// Report links come from the instance's catalogue (advice/resources.toml), which only admits
// https addresses; a client still never turns anything else into a link (javascript:, data:),
// and a phone number becomes a tel: link of its digits only.

export const REPORT_KINDS = ["platform", "authority", "support", "prevention"];

/** An https address to open, or null: nothing else from a result becomes a link. */
export function reportHref(url) {
  try {
    const parsed = new URL(String(url));
    return parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A tel: link of the phone number's digits (and a leading +), or null. */
export function telHref(phone) {
  const digits = String(phone ?? "").replace(/[^\d+]/g, "");
  return digits ? `tel:${digits}` : null;
}

/**
 * The report links grouped by kind. The service lists them most urgent first (for a minor, the
 * youth line before anything else), so the groups come in the order their first link does;
 * unknown kinds, `skip` kinds and nameless entries are left out.
 */
export function reportGroups(links, { skip = [] } = {}) {
  const groups = new Map();
  for (const link of Array.isArray(links) ? links : []) {
    if (!link || typeof link.name !== "string" || !link.name) continue;
    if (!REPORT_KINDS.includes(link.kind) || skip.includes(link.kind)) continue;
    if (!groups.has(link.kind)) groups.set(link.kind, []);
    groups.get(link.kind).push(link);
  }
  return [...groups].map(([kind, group]) => ({ kind, links: group }));
}
