// The watched links page: every link this browser watches, its latest answer, until when, and a
// button to stop. The links are shown as text only, never as something that can be clicked.
import { el } from "./lib/client/dom.js";
import { formatDate, localize, t, useLanguage, verdictText } from "./lib/i18n.js";
import { answerLang, instanceLabel, loadSettings } from "./lib/settings.js";
import { listWatches, stopWatch } from "./lib/watch.js";

const list = document.getElementById("watches");
const status = document.getElementById("watches-status");

function lastCheckText(watch) {
  const check = watch.lastCheck;
  if (!check) return t("watchNotYet");
  if (check.error) return t("watchLastFailed", [formatDate(check.at)]);
  return t("watchLastCheck", [formatDate(check.at), verdictText(check.verdict)]);
}

function item(watch, index) {
  const headingId = `watch-${index}-title`;
  const stop = el("button", { type: "button", class: "button button-unwatch", text: t("watchStop") });
  stop.addEventListener("click", async () => {
    stop.disabled = true;
    await stopWatch(watch.id);
    status.textContent = t("watchStopped");
    await render();
    list.querySelector("button")?.focus();
  });
  const verdict = watch.verdict ? verdictText(watch.verdict) : verdictText("unknown");
  return el(
    "li",
    { class: "card watch-item", "data-verdict": watch.verdict ?? "unknown", "aria-labelledby": headingId },
    el("h2", { id: headingId, class: "watch-verdict", text: verdict }),
    el("p", { class: "checked-link" }, el("span", { class: "link-text", text: watch.url })),
    watch.changed
      ? el("p", {
          class: "notice watch-change",
          text: t("watchChangedOn", [
            formatDate(watch.changed.at),
            verdictText(watch.changed.from ?? "unknown"),
            verdictText(watch.changed.to),
          ]),
        })
      : null,
    el("p", { class: "small", text: lastCheckText(watch) }),
    el("p", { class: "small", text: t("watchActive", [t(`watchEvery${watch.hours}`), formatDate(watch.until)]) }),
    el(
      "div",
      { class: "actions" },
      el("a", {
        class: "button",
        href: `result.html#watch:${encodeURIComponent(watch.id)}`,
        target: "_blank",
        text: t("watchOpen"),
      }),
      stop,
    ),
  );
}

async function render() {
  const watches = await listWatches();
  list.replaceChildren(...watches.map(item));
  document.getElementById("watches-empty").hidden = watches.length > 0;
}

async function main() {
  const settings = await loadSettings();
  await useLanguage(answerLang(settings));
  localize();
  document.getElementById("instance-label").textContent = instanceLabel(settings.instance);
  await render();
}

main();
