"use strict";
// The demo chat: plays a phone against the Bot API double. Plain JS, no build step, no network
// beyond this page's own server. Messages come as server-sent events (/api/events): each new or
// edited message replaces its bubble in place; callback answers show as toasts.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = { who: params.get("as") || "ann", where: params.get("chat") || "private", replyTo: null, files: [],
  live: false };  // live: the chat so far is shown; only a prompt that arrives now starts a reply
const KNOWN = new Set(["message_id", "date", "chat", "from", "text", "entities", "caption", "caption_entities",
  "photo", "document", "video", "animation", "video_note", "sticker", "via_bot", "reply_markup", "reply_to_message", "media_group_id", "edit_date", "sender_chat",
  "_deleted", "_force_reply", "has_protected_content", "link_preview_options"]);
let config = null;

function me() { return config.people.find((p) => p.key === state.who) || config.people[0]; }
function query() { return `as=${encodeURIComponent(state.who)}&chat=${encodeURIComponent(state.where)}`; }
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

async function start() {
  config = await (await fetch("/api/config")).json();
  for (const p of config.people) $("who").add(new Option(p.name, p.key));
  $("who").value = state.who;
  $("where").value = state.where;
  for (const select of [$("who"), $("where")]) {
    select.onchange = () => { location.search = `as=${$("who").value}&chat=${$("where").value}`; };
  }
  $("chat-title").textContent = state.where === "group" ? config.group.title : config.bot;
  setStatus();
  const events = new EventSource(`/api/events?${query()}`);
  events.addEventListener("message", (e) => render(JSON.parse(e.data)));
  events.addEventListener("ready", (e) => { state.live = true; welcome(JSON.parse(e.data).messages === 0); });
  events.addEventListener("toast", (e) => toast(JSON.parse(e.data)));
  events.addEventListener("action", (e) => setStatus(JSON.parse(e.data)));
}

let statusTimer = null;
function setStatus(action) {
  const base = state.where === "group" ? `${config.people.map((p) => p.name).join(", ")} and ${config.bot}` : "bot";
  $("status").textContent = action ? `${config.bot} is ${action.replace("upload_", "sending a ").replace("_", " ")}…` : base;
  clearTimeout(statusTimer);
  if (action) statusTimer = setTimeout(() => setStatus(), 5000);
}

// ---------------------------------------------------------------- rendering
function render(m) {
  const list = $("messages");
  let bubble = list.querySelector(`[data-id="${m.message_id}"]`);
  if (m._deleted) { if (bubble) bubble.remove(); return; }
  const fresh = !bubble;
  if (fresh) {
    bubble = el("div", { className: "msg" });
    bubble.dataset.id = m.message_id;
    bubble.onclick = (event) => { if (!event.target.closest("button, a, img")) setReply(bubble.message); };
    const later = [...list.children].find((child) => Number(child.dataset.id) > m.message_id);
    list.insertBefore(bubble, later || null);
  }
  bubble.message = m;
  const mine = m.from && m.from.id === me().id;
  bubble.classList.toggle("mine", mine);
  bubble.classList.toggle("bot", Boolean(m.from && m.from.is_bot));
  bubble.replaceChildren(...parts(m, mine));
  // a prompt asking this person for a reply, seen as it arrives (not one from before a reload)
  if (state.live && fresh && m._force_reply && m.reply_to_message && m.reply_to_message.from.id === me().id) setReply(m);
  if (fresh) { list.scrollTop = list.scrollHeight; welcome(false); }
}

// An empty chat shows what the bot does and START, as Telegram does.
function welcome(show) {
  const box = $("welcome");
  box.hidden = !show;
  if (!show) return;
  const start = el("button", { type: "button", textContent: state.where === "group" ? "/help" : "START" });
  start.onclick = () => { const form = new FormData(); form.append("text", state.where === "group" ? "/help" : "/start"); post(`/api/send?${query()}`, form); };
  const about = config.description || "A bot that repaints your photos in the style of a painting.";
  box.replaceChildren(el("b", { textContent: config.bot }), el("p", { textContent: about }), start);
}

function parts(m, mine) {
  const out = [];
  if (state.where === "group" && !mine) out.push(el("div", { className: "who", textContent: name(m) }));
  if (m.reply_to_message) out.push(el("div", { className: "quote", textContent: `${name(m.reply_to_message)}: ${preview(m.reply_to_message)}` }));
  if (m.photo) {
    const big = m.photo[m.photo.length - 1];
    const img = el("img", { src: `/api/file/${big.file_id}`, alt: "photo", width: big.width, height: big.height });
    img.style.height = "auto";
    img.onclick = () => lightbox(img.src);
    out.push(img);
  }
  if (m.sticker) {  // a sticker: the picture itself on the chat's background (a video sticker loops)
    const s = m.sticker, src = `/api/file/${s.file_id}`;
    out.push(s.is_video ? el("video", { src, className: "sticker", autoplay: true, loop: true, muted: true, playsInline: true })
      : el("img", { src, className: "sticker", alt: s.emoji || "sticker" }));
  }
  const clip = m.video_note || m.animation || m.video;
  if (clip) {  // a video plays with its sound; a GIF loops silently; a video note is round
    const kind = m.video_note ? "video_note" : m.animation ? "animation" : "video";
    const player = el("video", { src: `/api/file/${clip.file_id}`, className: `clip ${kind}`, controls: kind === "video",
      autoplay: kind !== "video", loop: kind !== "video", muted: kind === "animation", playsInline: true });
    if (kind === "video_note") player.onclick = () => { player.muted = !player.muted; player.play(); };
    out.push(player);
  }
  if (m.document && !m.animation) {
    const d = m.document;
    const link = el("a", { href: `/api/file/${d.file_id}`, download: d.file_name || "file", textContent: d.file_name || "file" });
    out.push(el("div", { className: "doc" }, "📄", link, el("small", { textContent: ` ${kilobytes(d.file_size)}` })));
  }
  const words = m.text ?? m.caption;
  if (words) out.push(el("div", { className: "text", textContent: words }));
  const unknown = Object.keys(m).filter((key) => !KNOWN.has(key));
  if (!words && !m.photo && !m.document && !clip && !m.sticker) out.push(el("div", { className: "unsupported", textContent: `[unsupported: ${unknown[0] || "empty"}]` }));
  const keyboard = m.reply_markup && m.reply_markup.inline_keyboard;
  if (keyboard) out.push(el("div", { className: "keyboard" }, ...keyboard.map((row) => el("div", { className: "row" }, ...row.map((b) => button(m, b))))));
  out.push(el("div", { className: "meta", textContent: `${m.edit_date ? "edited " : ""}${clock(m.edit_date || m.date)}` }));
  return out;
}

function button(m, b) {
  const node = el("button", { type: "button", textContent: b.text });
  node.onclick = () => {
    if (b.url) { window.open(b.url, "_blank", "noopener"); return; }
    post(`/api/press?${query()}`, JSON.stringify({ message_id: m.message_id, data: b.callback_data }), "application/json");
  };
  return node;
}

function name(m) { return (m.sender_chat && m.sender_chat.title) || (m.from && m.from.first_name) || "?"; }
function preview(m) {
  if (m.text || m.caption) return m.text || m.caption;
  if (m.photo) return "📷 Photo";
  if (m.video_note) return "⏺ Video message";
  if (m.sticker) return `${m.sticker.emoji || "🏷"} Sticker`;
  if (m.animation) return "🎞 GIF";
  if (m.video) return "🎞 Video";
  return m.document ? `📄 ${m.document.file_name || "File"}` : "…";
}
function clock(seconds) { return new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }
function kilobytes(bytes) { return bytes > 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil((bytes || 0) / 1024)} KB`; }

// ---------------------------------------------------------------- composing
function setReply(m) {
  state.replyTo = m ? m.message_id : null;
  $("reply-bar").hidden = !m;
  if (m) $("reply-text").textContent = `↩ ${name(m)}: ${preview(m)}`;
  $("text").focus();
}

function pick(files) {
  state.files = [...files];
  const box = $("picked");
  box.hidden = !state.files.length;
  const thumbs = state.files.map((f) => (f.type.startsWith("image/") && f.size < 20e6
    ? el("img", { src: URL.createObjectURL(f), alt: f.name }) : el("span", { textContent: `📄 ${f.name}` })));
  const clear = el("button", { type: "button", textContent: "✕", title: "remove" });
  clear.onclick = () => pick([]);
  const label = state.files.length > 1 ? ` album of ${state.files.length}` : "";
  box.replaceChildren(...thumbs, el("span", { textContent: label }), clear);
}

async function post(url, body, type) {
  const options = { method: "POST", body };
  if (type) options.headers = { "Content-Type": type };
  let answer;
  try {
    const response = await fetch(url, options);
    answer = response.status === 413 ? { ok: false, description: "That file is too large to send here." } : await response.json();
  } catch (error) {
    answer = { ok: false, description: `Could not reach the demo server (${error.message}).` };
  }
  if (!answer.ok) toast({ text: answer.description });
  return answer.ok;
}

$("composer").onsubmit = async (event) => {
  event.preventDefault();
  const form = new FormData();
  form.append("text", $("text").value);
  if (state.replyTo) form.append("reply_to", state.replyTo);
  for (const file of state.files) form.append("file", file, file.name);
  if ($("as-file").checked) form.append("as_file", "1");
  $("send").disabled = true;
  const sent = await post(`/api/send?${query()}`, form);
  $("send").disabled = false;
  if (sent) { $("text").value = ""; pick([]); setReply(null); $("files").value = ""; }
};
$("files").onchange = () => pick($("files").files);
$("reply-cancel").onclick = () => setReply(null);
const phone = $("phone");
phone.addEventListener("dragover", (e) => { e.preventDefault(); phone.classList.add("dragging"); });
phone.addEventListener("dragleave", () => phone.classList.remove("dragging"));
phone.addEventListener("drop", (e) => { e.preventDefault(); phone.classList.remove("dragging"); pick(e.dataTransfer.files); });

// ---------------------------------------------------------------- overlays
function lightbox(src) {
  const box = $("lightbox");
  box.querySelector("img").src = src;
  box.hidden = false;
}
$("lightbox").onclick = () => { $("lightbox").hidden = true; };

let toastTimer = null;
function toast({ text, alert }) {
  const box = $("toast");
  box.textContent = text;
  box.className = alert ? "alert" : "";
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, alert ? 5000 : 2500);
}
$("toast").onclick = () => { $("toast").hidden = true; };

start();
