// Avatar tab: photo + style -> POST /api/avatar -> poll the job's progress -> show and download the PNG.
import { $, api, detail, status } from "./common.js";

export function setupAvatar(photoTab) {
  const s = { job: null, poll: null, url: null };

  async function loadStyles() {
    const result = await api("/api/styles");
    if (!result.ok) { status($("avatar-engine"), detail(result), "error"); return; }
    const { styles, available, missing } = result.body;
    status($("avatar-engine"), available ? "" : missing, available ? "" : "warn");
    $("paint").disabled = !available || s.poll !== null;
    if (!$("styles").children.length) $("styles").replaceChildren(...styles.map((st, i) => styleChoice(st, i === 0)));
  }

  function styleChoice(st, checked) {
    const label = document.createElement("label");
    label.className = "style";
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "style";
    radio.value = st.name;
    radio.checked = checked;
    const img = document.createElement("img");
    img.src = st.url;
    img.alt = "";
    const name = document.createElement("span");
    name.textContent = st.name;
    label.append(radio, img, name);
    return label;
  }

  async function paint() {
    const photo = $("avatar-file").files[0] || photoTab.photo();
    if (!photo) { status($("avatar-status"), "Choose a photo first (here or in the Photo tab).", "error"); return; }
    const form = new FormData();
    form.append("image", photo, photo.name || "photo");
    const own = $("style-file").files[0];
    if (own) form.append("style_image", own, own.name);
    else form.append("style", (document.querySelector('input[name="style"]:checked') || {}).value || "");
    status($("avatar-status"), "Sending…", "busy");
    const result = await api("/api/avatar", { method: "POST", body: form });
    if (!result.ok) { status($("avatar-status"), detail(result), "error"); return; }
    s.job = result.body.job;
    $("avatar-progress").hidden = false;
    $("avatar-progress").value = 0;
    $("paint").disabled = true;
    $("paint-cancel").hidden = false;
    s.poll = setInterval(check, 400);
  }

  async function check() {
    const result = await api(`/api/avatar/${s.job}`);
    if (!result.ok) { finish(detail(result), "error"); return; }
    const job = result.body;
    $("avatar-progress").value = job.progress;
    if (job.state === "waiting" || job.state === "running") {
      status($("avatar-status"), `Painting… ${Math.round(100 * job.progress)}%`, "busy");
      return;
    }
    if (job.state !== "done") { finish(job.message || job.state, job.state === "cancelled" ? "" : "error"); return; }
    const image = await api(job.image_url);
    if (!image.ok) { finish(detail(image), "error"); return; }
    if (s.url) URL.revokeObjectURL(s.url);
    s.url = URL.createObjectURL(image.body);
    $("avatar-img").src = s.url;
    $("avatar-img").hidden = false;
    const link = $("avatar-download");
    link.href = s.url;
    link.download = `emocam-avatar-${job.style}.png`;
    link.hidden = false;
    finish(`Done in ${job.seconds} s`, "ok");
  }

  function finish(text, kind) {
    clearInterval(s.poll);
    s.poll = null;
    $("paint").disabled = false;
    $("paint-cancel").hidden = true;
    $("avatar-progress").hidden = kind !== "ok";
    status($("avatar-status"), text, kind);
  }

  $("paint").addEventListener("click", paint);
  $("paint-cancel").addEventListener("click", () => { if (s.job) api(`/api/avatar/${s.job}`, { method: "DELETE" }); });
  $("tab-avatar").addEventListener("click", loadStyles);  // the weights may have been added meanwhile
  loadStyles();
}
