// Photo tab: a file (chosen, dropped or taken with the camera) -> POST /api/predict -> boxes and cards.
import { $, api, colour, detail, faceCard, faceText, selectedModel, status } from "./common.js";

export function setupPhoto() {
  const state = { blob: null, url: null, stream: null, busy: false };

  async function analyse(blob) {
    state.blob = blob;
    if (state.url) URL.revokeObjectURL(state.url);
    state.url = URL.createObjectURL(blob);
    const img = $("photo-img");
    img.src = state.url;
    $("boxes").replaceChildren();
    $("faces").replaceChildren();
    status($("photo-status"), "Looking for faces…", "busy");
    const form = new FormData();
    form.append("image", blob, blob.name || "photo");
    form.append("model", selectedModel());
    const slow = setTimeout(() => status($("photo-status"),
      "Still working: the first use of a model checks it (a Keras model is also converted), up to a minute…", "busy"), 3000);
    const result = await api("/api/predict", { method: "POST", body: form });
    clearTimeout(slow);
    if (!result.ok) {
      $("stage").hidden = result.status === 415 || result.status === 413 || result.status === 422;
      status($("photo-status"), detail(result), "error");
      return;
    }
    $("stage").hidden = false;
    show(result.body);
  }

  function show(body) {
    const faces = body.faces;
    const n = faces.length;
    status($("photo-status"), n ? `${n} face${n > 1 ? "s" : ""} found with ${body.model}` : body.message, n ? "ok" : "warn");
    $("boxes").replaceChildren(...faces.map((f, i) => box(f, i, body.width, body.height)));
    $("faces").replaceChildren(...faces.map((f, i) => faceCard(f, `Face ${i + 1}`)));
  }

  function box(face, i, width, height) {
    const [x, y, w, h] = face.box;
    const el = document.createElement("div");
    el.className = "box";
    el.dataset.emotion = face.emotion;
    el.style.left = `${(100 * x) / width}%`;
    el.style.top = `${(100 * y) / height}%`;
    el.style.width = `${(100 * w) / width}%`;
    el.style.height = `${(100 * h) / height}%`;
    el.style.borderColor = colour(face.emotion);
    const tag = document.createElement("span");
    tag.className = "box-label";
    tag.textContent = `${i + 1} ${faceText(face)}`;
    tag.style.background = colour(face.emotion);
    el.append(tag);
    return el;
  }

  $("file").addEventListener("change", (e) => { if (e.target.files[0]) analyse(e.target.files[0]); });
  setupDrop($("drop"), analyse);
  setupCamera(state, analyse);
  return {
    rerun() { if (state.blob) analyse(state.blob); },
    photo() { return state.blob; },
  };
}

function setupDrop(zone, onFile) {
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const file = e.dataTransfer.files[0];
    if (file) onFile(file);
  });
}

function setupCamera(state, onFile) {
  const video = $("snap-video");
  const close = () => {
    if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
    state.stream = null;
    $("snap-box").hidden = true;
  };
  $("snap-open").addEventListener("click", async () => {
    if (!navigator.mediaDevices) {
      status($("photo-status"), "The camera needs a secure page: open emocam at http://127.0.0.1 or localhost.", "error");
      return;
    }
    try {
      state.stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    } catch (e) {
      status($("photo-status"), `No camera picture: ${e.message || e.name}. Allow the camera, or choose a file.`, "error");
      return;
    }
    video.srcObject = state.stream;
    $("snap-box").hidden = false;
  });
  $("snap-take").addEventListener("click", () => {
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob((blob) => { close(); blob.name = "camera.jpg"; onFile(blob); }, "image/jpeg", 0.92);
  });
  $("snap-close").addEventListener("click", close);
}
