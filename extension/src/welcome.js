// First run: what the extension does, what it sends and where, and the one question that changes
// who is suggested for help (under 18: youth helplines, Take It Down).
import { localize, t, useLanguage } from "./lib/i18n.js";
import { answerLang, instanceLabel, loadSettings, saveSettings } from "./lib/settings.js";

const status = document.getElementById("age-status");

async function main() {
  const settings = await loadSettings();
  await useLanguage(answerLang(settings));
  localize();
  document.getElementById("instance-label").textContent = instanceLabel(settings.instance);
  if (settings.ageAnswered) {
    document.getElementById(settings.minor ? "age-minor" : "age-adult").checked = true;
  }
  for (const radio of document.querySelectorAll('input[name="age"]')) {
    radio.addEventListener("change", async () => {
      const minor = radio.value === "minor";
      await saveSettings({ minor, ageAnswered: true });
      status.textContent = t(minor ? "welcomeAgeSavedMinor" : "welcomeAgeSavedAdult");
    });
  }
}

main();
