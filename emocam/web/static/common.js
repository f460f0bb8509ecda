// Shared by the tabs: the API helpers and the face card (label, seven bars, emoji).
export const EMOTIONS = ["Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"];

export const $ = (id) => document.getElementById(id);

export function status(el, text, kind = "") {
  el.textContent = text;
  el.dataset.kind = kind;
}

// fetch that always resolves to {ok, status, body}; errors carry the server's one-line "detail"
export async function api(url, options = {}) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (e) {
    return { ok: false, status: 0, body: { detail: "the emocam server cannot be reached; is it still running?" } };
  }
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.blob();
  return { ok: response.ok, status: response.status, body };
}

export function detail(result) {
  return (result.body && result.body.detail) || `error ${result.status}`;
}

export function selectedModel() {
  return $("model").value;
}

export function colour(emotion) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--emotion-${emotion}`).trim() || "#888";
}

export function faceText(face) {
  return `${face.uncertain ? "?" : face.emotion} ${Math.round(100 * face.confidence)}%`;
}

// <article class="face-card"> with the emoji, the label and one bar per emotion
export function faceCard(face, title) {
  const card = document.createElement("article");
  card.className = "face-card";
  card.dataset.emotion = face.emotion;
  const emoji = document.createElement("img");
  emoji.className = "emoji";
  emoji.src = face.emoji;
  emoji.alt = `${face.emotion} emoji`;
  const label = document.createElement("h3");
  label.className = "label";
  label.textContent = `${title}: ${faceText(face)}`;
  const bars = document.createElement("ul");
  bars.className = "bars";
  for (const name of EMOTIONS) {
    bars.append(bar(name, face.probabilities[name] || 0, name === face.emotion));
  }
  const head = document.createElement("div");
  head.className = "face-head";
  head.append(emoji, label);
  card.append(head, bars);
  return card;
}

function bar(name, p, top) {
  const li = document.createElement("li");
  li.className = top ? "bar lead" : "bar";
  li.dataset.emotion = name;
  const label = document.createElement("span");
  label.className = "name";
  label.textContent = name;
  const track = document.createElement("span");
  track.className = "track";
  const fill = document.createElement("span");
  fill.className = "fill";
  fill.style.width = `${(100 * p).toFixed(1)}%`;  // CSSOM, allowed by the page's CSP
  track.append(fill);
  const pct = document.createElement("span");
  pct.className = "pct";
  pct.textContent = `${Math.round(100 * p)}%`;
  li.append(label, track, pct);
  return li;
}
