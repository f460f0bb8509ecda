// Live tab: camera frames -> WebSocket /api/live (at most 2 frames in flight; the server keeps only
// the newest) -> boxes drawn on a canvas over the video, and the largest face's bars and emoji.
import { $, colour, faceCard, faceText, selectedModel, status } from "./common.js";

const SEND_WIDTH = 480;  // frames are scaled to this width before they are sent
const MAX_IN_FLIGHT = 2;

export function setupLive() {
  const s = { stream: null, ws: null, sent: 0, answered: 0, times: [], timer: null, encoding: false, fresh: true };
  const video = $("live-video");
  const grab = document.createElement("canvas");
  // send each camera frame once (where the browser says when a new one is shown)
  const frameCallbacks = "requestVideoFrameCallback" in HTMLVideoElement.prototype;
  const onNewFrame = () => { s.fresh = true; if (s.stream) video.requestVideoFrameCallback(onNewFrame); };

  function pump() {
    if (!s.ws || s.ws.readyState !== WebSocket.OPEN || s.encoding || !video.videoWidth) return;
    if (s.sent - s.answered >= MAX_IN_FLIGHT || !s.fresh) return;
    s.fresh = !frameCallbacks;
    grab.width = SEND_WIDTH;
    grab.height = Math.round((SEND_WIDTH * video.videoHeight) / video.videoWidth);
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    s.encoding = true;
    const ws = s.ws;
    grab.toBlob(async (blob) => {
      s.encoding = false;
      if (!blob) return;
      const data = await blob.arrayBuffer();
      // Stop (or a model change) may have closed this socket while the frame was being read
      if (s.ws !== ws || ws.readyState !== WebSocket.OPEN) return;
      ws.send(data);
      s.sent += 1;
    }, "image/jpeg", 0.7);
  }

  function onResult(msg) {
    if (msg.ready) { status($("live-status"), `Live with ${msg.model}`, "ok"); return; }
    if (msg.error && msg.frame === undefined) { status($("live-status"), msg.error, "error"); stop(); return; }
    s.answered = msg.frame;  // frames up to this one are answered or were dropped by the server
    if (msg.error) return;
    const now = performance.now();
    s.times.push(now);
    while (s.times.length && now - s.times[0] > 2000) s.times.shift();
    $("live-fps").textContent = `${(s.times.length / 2).toFixed(1)} fps · ${msg.ms} ms/frame · dropped ${msg.dropped}`;
    draw(msg);
    const largest = msg.faces[0];
    $("live-faces").replaceChildren(...(largest ? [faceCard(largest, "Largest face")] : []));
    pump();
  }

  function draw(msg) {
    const canvas = $("live-overlay");
    canvas.width = video.clientWidth;
    canvas.height = video.clientHeight;
    const ctx = canvas.getContext("2d");
    const k = canvas.width / msg.width;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = 3;
    ctx.font = "bold 16px system-ui, sans-serif";
    for (const face of msg.faces) {
      const [x, y, w, h] = face.box.map((v) => v * k);
      ctx.strokeStyle = ctx.fillStyle = colour(face.emotion);
      ctx.strokeRect(x, y, w, h);
      const text = faceText(face);
      ctx.fillRect(x, Math.max(0, y - 22), ctx.measureText(text).width + 10, 22);
      ctx.fillStyle = "#111";
      ctx.fillText(text, x + 5, Math.max(16, y - 6));
    }
  }

  async function start() {
    if (!navigator.mediaDevices) {
      status($("live-status"), "The camera needs a secure page: open emocam at http://127.0.0.1 or localhost.", "error");
      return;
    }
    try {
      s.stream = s.stream || await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    } catch (e) {
      status($("live-status"), `No camera: ${e.message || e.name}. Allow the camera for this page.`, "error");
      return;
    }
    video.srcObject = s.stream;
    if (frameCallbacks) video.requestVideoFrameCallback(onNewFrame);
    connect();
    $("live-start").disabled = true;
    $("live-stop").disabled = false;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    s.ws = new WebSocket(`${scheme}://${location.host}/api/live?model=${encodeURIComponent(selectedModel())}`);
    s.ws.binaryType = "arraybuffer";
    s.sent = s.answered = 0;
    status($("live-status"), "Loading the model…", "busy");
    s.ws.onmessage = (e) => onResult(JSON.parse(e.data));
    s.ws.onclose = (e) => { if (s.ws && e.code !== 1000) status($("live-status"), `Connection closed (${e.reason || e.code})`, "error"); };
    clearInterval(s.timer);
    s.timer = setInterval(pump, 30);
  }

  function stop() {
    clearInterval(s.timer);
    if (s.ws) { const ws = s.ws; s.ws = null; ws.close(1000); }
    if (s.stream) s.stream.getTracks().forEach((t) => t.stop());
    s.stream = null;
    video.srcObject = null;
    $("live-start").disabled = false;
    $("live-stop").disabled = true;
  }

  $("live-start").addEventListener("click", start);
  $("live-stop").addEventListener("click", () => { stop(); status($("live-status"), "Stopped", ""); });
  return { stop, restart() { if (s.ws) { s.ws.onclose = null; s.ws.close(1000); connect(); } } };
}
