// The page: tabs and the model list; each tab lives in its own module.
import { $, api, detail } from "./common.js";
import { setupPhoto } from "./photo.js";
import { setupLive } from "./live.js";
import { setupAvatar } from "./avatar.js";

function setupTabs(onLeave) {
  const tabs = document.querySelectorAll('[role="tab"]');
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      for (const other of tabs) {
        const chosen = other === tab;
        other.setAttribute("aria-selected", String(chosen));
        $(other.getAttribute("aria-controls")).hidden = !chosen;
      }
      onLeave(tab.getAttribute("aria-controls"));
    });
  }
}

async function loadModels() {
  const select = $("model");
  const result = await api("/api/models");
  select.replaceChildren();
  if (!result.ok) {
    select.append(new Option("no model available", ""));
    select.title = detail(result);
    return;
  }
  for (const m of result.body.models) {
    const text = `${m.name}${m.default ? " (default)" : ""}${m.source === "shipped" ? "" : ` [${m.source}]`}`;
    select.append(new Option(text, m.name, m.default, m.default));
  }
}

const photo = setupPhoto();
const live = setupLive();
setupAvatar(photo);
setupTabs((shown) => { if (shown !== "live") live.stop(); });
$("model").addEventListener("change", () => { photo.rerun(); live.restart(); });
loadModels().then(() => document.body.dataset.ready = "true");
