// Finding the links in a piece of text: a selection on a page or what was pasted in the
// extension, a text shared to the installed console ("Share → Vérif'Lien" from WhatsApp or an
// SMS). One set of rules for both, so a person gets the same links checked whichever way they
// send them. The links are only ever sent, as text, to the instance: nothing here opens them.

export const MAX_LINKS = 5; // one check per link; a selection rarely holds more than a few
export const MAX_URL_LENGTH = 4096; // the service refuses longer links

// http(s) links, and bare "www." or "youtu.be/…"-style addresses as people paste them from SMS.
const URL_PATTERN =
  /\bhttps?:\/\/[^\s<>"'`«»“”‘’]+|\b(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\/[^\s<>"'`«»“”‘’]*/gi;
const TRAILING = /[.,;:!?)\]}>'"»”’]+$/;

export function extractLinks(text, max = MAX_LINKS) {
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

/** Letters outside the links: a pasted message, not just one or more links. */
export const MESSAGE_MIN_LETTERS = 30;
export const MAX_MESSAGE_CHARS = 20000; // the service refuses longer messages

/**
 * Whether pasted text is a message (words around the links, or no link at all) rather than a
 * list of links: then the whole message can be analysed (POST /api/v1/messages).
 */
export function looksLikeMessage(text) {
  const words = String(text ?? "").replace(URL_PATTERN, " ");
  return (words.match(/\p{L}/gu) ?? []).length >= MESSAGE_MIN_LETTERS;
}

/** A link as given by the browser for a right-clicked <a>: kept as is when it is http(s). */
export function linkFromMenu(linkUrl) {
  const link = String(linkUrl ?? "").trim();
  return /^https?:\/\//i.test(link) && link.length <= MAX_URL_LENGTH ? [link] : [];
}
