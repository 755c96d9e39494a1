// Finding the links in a shared text (a WhatsApp, Instagram or SMS message shared to the
// installed console with "Share → Vérif'Lien"). The links are only ever sent, as text, to this
// service's own API: nothing here opens them.
//
// The same rules as the browser extension's extension/src/lib/links.js (a test runs both on the
// same texts): a person gets the same links checked whichever way they send them.

// http(s) links, and bare "www." or "youtu.be/…"-style addresses as people paste them from SMS.
const URL_PATTERN =
  /\bhttps?:\/\/[^\s<>"'`«»“”‘’]+|\b(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\/[^\s<>"'`«»“”‘’]*/gi;
const TRAILING = /[.,;:!?)\]}>'"»”’]+$/;
export const MAX_URL_LENGTH = 4096; // the service refuses longer links

export function extractLinks(text, max = 5) {
  const found = [];
  for (const match of String(text ?? "").matchAll(URL_PATTERN)) {
    let link = match[0].replace(TRAILING, "");
    // Keep a closing parenthesis that belongs to the link (Wikipedia-style addresses).
    if (match[0].startsWith(link) && link.includes("(") && match[0][link.length] === ")") {
      link += ")";
    }
    if (!/^https?:\/\//i.test(link)) {
      const before = match.index > 0 ? text[match.index - 1] : "";
      if (before === "@" || before === "/") continue; // part of an e-mail or a longer address
      link = `https://${link}`;
    }
    if (link.length > MAX_URL_LENGTH || found.includes(link)) continue;
    found.push(link);
    if (found.length >= max) break;
  }
  return found;
}
