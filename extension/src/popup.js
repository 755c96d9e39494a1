// The toolbar popup: paste a link received outside the browser (SMS, messaging app) and have it
// checked without opening it. When the pasted text is a whole message (words around the links),
// it also offers to analyse the message itself. The background opens the result page.
import { ext } from "./lib/api.js";
import { localize, t, useLanguage } from "./lib/i18n.js";
import { MAX_MESSAGE_CHARS, extractLinks, looksLikeMessage } from "./lib/client/links.js";
import { answerLang, instanceLabel, loadSettings } from "./lib/settings.js";

const form = document.getElementById("paste-form");
const input = document.getElementById("paste");
const status = document.getElementById("popup-status");
const offer = document.getElementById("message-offer");
const analyse = document.getElementById("analyse-message");

function updateOffer() {
  offer.hidden = !looksLikeMessage(input.value);
}
input.addEventListener("input", updateOffer);

/** Hands the pasted text to the background, which opens the result page; the popup then
 * closes. Neither the link nor the message is kept here. */
async function handOver(request) {
  status.textContent = t("popupOpening");
  const answer = await ext.runtime.sendMessage(request);
  if (answer?.ok) {
    input.value = "";
    window.close();
  } else {
    status.textContent = t("errorNetwork");
  }
}

analyse.addEventListener("click", async () => {
  if (input.value.length > MAX_MESSAGE_CHARS) {
    status.textContent = t("popupMessageTooLong");
    return;
  }
  await handOver({ type: "analyse-message", text: input.value });
});

loadSettings().then(async (settings) => {
  await useLanguage(answerLang(settings));
  localize();
  document.getElementById("instance-label").textContent = instanceLabel(settings.instance);
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!extractLinks(input.value).length) {
    status.textContent = t(looksLikeMessage(input.value) ? "popupNoLinkMessage" : "popupNoLink");
    input.focus();
    return;
  }
  await handOver({ type: "check-text", text: input.value });
});
