/*!
 * Supportdesk chat widget: one file, no dependencies.
 *
 * Embed:
 *   <script src="https://SUPPORTDESK_HOST/static/widget/widget.js" data-key="PUBLIC_KEY" async></script>
 * Optional attributes: data-user-id, data-user-email, data-user-name, data-user-hash (hex
 * HMAC-SHA256 of "id:email" with the widget secret, computed by the store's server),
 * data-prechat-email="true" (ask for an email before the first message; skippable),
 * data-title ("Chat with us"), data-color (#2563eb), data-open="true" (start open).
 *
 * API: window.Supportdesk.open(), .close(), .identify({id, email, name, hash}). With a hash the
 * widget reconnects as that proven shopper; without one, the email/name go as a pre-chat
 * "identify" frame (contact details, not proof).
 *
 * Speaks JSON frames to ws(s)://HOST/ws/widget/?key=KEY (see conversations/consumers/widget.py).
 * Storage: localStorage "supportdesk:KEY:token" (visitor token), ":outbox" (unacked messages),
 * ":seen" (highest message id seen with the panel open, for the unread dot), ":prechat" (form
 * answered or skipped); sessionStorage ":state" ({open, lastId}).
 *
 * Everything renders in an open shadow root, and message text only ever becomes text nodes:
 * the small Markdown renderer below builds elements itself and never uses innerHTML.
 */
(() => {
  "use strict";
  // Captured synchronously: document.currentScript is only set while this file first runs.
  const script = document.currentScript || document.querySelector('script[data-key][src*="widget.js"]');
  if (!script || (window.Supportdesk && window.Supportdesk.loaded)) return;

  const MAX_CHARS = 4000, COUNTER_FROM = 3600, FULL_SCREEN_MAX_PX = 479;
  const PING_MS = 25000, SILENCE_MS = 65000;
  const TYPING_THROTTLE_MS = 3000, TYPING_IDLE_MS = 1500, AGENT_TYPING_MAX_MS = 30000;
  const BACKOFF_MIN_MS = 1000, BACKOFF_MAX_MS = 30000;
  const FATAL_CLOSES = new Set([4001, 4003]);
  const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);
  const LABELS = { ai: "Assistant", staff: "Support team" };
  // The server's cleaning (conversations.services.message_text_clean), done before counting.
  const CONTROL_CHARS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
  const ERRORS = {
    message_too_long: `That message is too long: please keep it under ${MAX_CHARS} characters, or split it in two.`,
    frame_too_big: `That message is too long: please keep it under ${MAX_CHARS} characters, or split it in two.`,
    rate_limited: "You're sending messages quickly. Please wait a moment, then retry.",
    empty_message: "Please type a message first.",
    invalid_email: "That email address does not look right.",
    live_unavailable: "We lost the live connection for a moment. Reconnecting…",
  };
  // Codes that mean this script and the server disagree: the shopper gets a plain apology.
  const PROTOCOL_ERRORS = new Set(["invalid_frame", "invalid_json", "unknown_type", "hello_first", "invalid_client_id",
    "invalid_body", "invalid_last_id", "invalid_typing"]);

  const cfg = readConfig(script);
  if (!cfg.key) { console.warn("Supportdesk: the script tag needs a data-key."); return; }
  const local = storage("localStorage"), session = storage("sessionStorage");
  const keys = Object.fromEntries(["token", "outbox", "seen", "prechat", "state"].map((k) => [k, `supportdesk:${cfg.key}:${k}`]));
  const saved = readJSON(session, keys.state, {});

  const state = {
    ws: null, ready: false, wanted: false, fatal: false, everReady: false,
    attempts: 0, reconnectTimer: 0, pingTimer: 0, lastHeard: 0,
    token: local.getItem(keys.token), user: cfg.user,
    lastId: 0, // a fresh page asks for everything, then keeps the highest id rendered
    seenId: Number(local.getItem(keys.seen)) || 0,
    open: false,
    rendered: new Map(), // message id -> element
    pending: new Map(), // client_id -> element of a message not yet confirmed by the server
    outbox: readJSON(local, keys.outbox, []).filter((m) => m && m.client_id && typeof m.body === "string"),
    afterReady: [], // frames (identify) that wait for the next "ready"
    typingSentAt: 0, typingActive: false, typingIdleTimer: 0, agentTypingTimer: 0,
    draftRun: null, draftText: "", draftFrame: 0, draftTimer: 0, finishedRuns: new Set(),
  };
  let ui = null;

  // ------------------------------------------------------------------ config and storage

  function readConfig(el) {
    const d = el.dataset;
    const src = new URL(el.src, location.href);
    const wsProto = src.protocol === "https:" ? "wss:" : "ws:";
    return {
      key: (d.key || "").trim(),
      base: src.origin, // the Supportdesk server: its own links (help articles) are relative to it
      wsUrl: `${wsProto}//${src.host}/ws/widget/?key=${encodeURIComponent((d.key || "").trim())}`,
      title: d.title || "Chat with us",
      color: d.color && window.CSS && CSS.supports("color", d.color) ? d.color : "#2563eb",
      startOpen: d.open === "true",
      prechat: d.prechatEmail === "true",
      user: userFrom({ id: d.userId, email: d.userEmail, name: d.userName, hash: d.userHash }),
    };
  }

  function userFrom(u) {
    if (!u || !(u.id || u.email)) return null;
    const text = (v) => (v == null ? "" : String(v));
    return { id: text(u.id), email: text(u.email), name: text(u.name), hash: text(u.hash) };
  }

  // Storage can throw (blocked third-party storage, private modes): fall back to memory.
  function storage(name) {
    try {
      const s = window[name];
      s.setItem("supportdesk:probe", "1");
      s.removeItem("supportdesk:probe");
      return s;
    } catch (e) {
      const m = new Map();
      return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k) };
    }
  }

  function readJSON(s, key, fallback) {
    try { return JSON.parse(s.getItem(key)) || fallback; } catch (e) { return fallback; }
  }

  function saveSession() { session.setItem(keys.state, JSON.stringify({ open: state.open, lastId: state.lastId })); }
  function saveOutbox() { local.setItem(keys.outbox, JSON.stringify(state.outbox)); }

  // randomUUID exists only in secure contexts; a store on plain http gets 128 random bits.
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Array.from({ length: 4 }, () => Math.random().toString(16).slice(2, 10).padEnd(8, "0")).join("-");
  }

  // ------------------------------------------------------------------ DOM helpers

  // h("p", {class: "x", onclick: fn}, "text", node): strings become text nodes, never markup.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    el.append(...children.filter((c) => c != null));
    return el;
  }

  function svg(d) {
    const ns = "http://www.w3.org/2000/svg";
    const s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    const p = document.createElementNS(ns, "path");
    p.setAttribute("d", d);
    s.append(p);
    return s;
  }

  const ICONS = {
    chat: "M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6c-.5.4-1.3.1-1.3-.6V16A2.5 2.5 0 0 1 4 13.5z",
    close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z",
    send: "M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z",
  };

  function formatTime(iso) {
    const d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }

  // "14:05" today, "Nov 20, 14:05" before: a visible time under each message.
  function timeEl(iso) {
    const d = new Date(iso);
    if (!iso || isNaN(d)) return "";
    const today = d.toDateString() === new Date().toDateString();
    const text = today ? d.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })
      : d.toLocaleString([], { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
    return h("time", { datetime: d.toISOString(), title: formatTime(iso) }, text);
  }

  // Text that is dark enough on a light accent colour (hex colours only; others keep white).
  function textOn(color) {
    const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
    if (!m) return "#fff";
    const hex = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.6 ? "#111827" : "#fff";
  }

  // ------------------------------------------------------------------ Markdown, safely

  // Paragraphs, line breaks, lists, headings (as bold lines) and ``` fences; inline below.
  function markdown(text) {
    const frag = document.createDocumentFragment();
    const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
    let para = null, list = null;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (/^\s*```/.test(line)) {
        const code = [];
        for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
        frag.append(h("pre", {}, h("code", {}, code.join("\n"))));
        para = list = null;
        continue;
      }
      if (!line.trim()) { para = list = null; continue; }
      const item = /^\s*(?:([-*+•])|(\d{1,9})[.)])\s+(.*)$/.exec(line);
      if (item) {
        const tag = item[1] ? "ul" : "ol";
        if (!list || list.localName !== tag) {
          list = h(tag, tag === "ol" && item[2] !== "1" ? { start: Number(item[2]) } : {});
          frag.append(list);
        }
        list.append(h("li", {}, ...inline(item[3])));
        para = null;
        continue;
      }
      if (list && /^\s{2,}\S/.test(line)) { list.lastChild.append(h("br"), ...inline(line.trim())); continue; }
      list = null;
      const heading = /^#{1,6}\s+(.*)$/.exec(line);
      if (heading) { frag.append(h("p", {}, h("strong", {}, ...inline(heading[1])))); para = null; continue; }
      if (para) para.append(h("br"));
      else frag.append((para = h("p")));
      para.append(...inline(line));
    }
    return frag;
  }

  // `code`, **bold**, *italic*, [text](url) and bare URLs. matchAll clones the regex, so
  // the recursion for nested emphasis is safe.
  const INLINE = /`([^`\n]+)`|\*\*(?!\s)(.+?)(?<!\s)\*\*|(?<![\w*])\*(?![\s*])(.+?)(?<!\s)\*(?!\w)|\[([^\]\n]+)\]\(\s*([^()\s]+)\s*\)|((?:https?:\/\/|mailto:)[^\s<>"]+)/g;

  function inline(text, linksAllowed = true) {
    const out = [];
    let last = 0;
    for (const m of text.matchAll(INLINE)) {
      if (m.index > last) out.push(text.slice(last, m.index));
      last = m.index + m[0].length;
      if (m[1] != null) out.push(h("code", {}, m[1]));
      else if (m[2] != null) out.push(h("strong", {}, ...inline(m[2], linksAllowed)));
      else if (m[3] != null) out.push(h("em", {}, ...inline(m[3], linksAllowed)));
      else if (m[4] != null) out.push(...link(m[5], inline(m[4], false), linksAllowed));
      else {
        const [url, trailing] = trimUrl(m[6]);
        out.push(...link(url, [url], linksAllowed), trailing);
      }
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  // "See https://x.y/z." - the full stop ends the sentence, not the URL.
  function trimUrl(url) {
    let end = url.length;
    const count = (ch) => url.slice(0, end).split(ch).length - 1;
    while (end > 0 && /[.,;:!?'"\])]/.test(url[end - 1])) {
      if (url[end - 1] === ")" && count("(") >= count(")")) break; // (balanced) parentheses are part of it
      end--;
    }
    return [url.slice(0, end), url.slice(end)];
  }

  // Only http, https and mailto become links; anything else (javascript:, relative) is text.
  // A path ("/help/...") is one of the server's own pages, so it resolves against the server,
  // not against the store's page the widget sits on.
  function link(href, children, allowed) {
    if (href.startsWith("/") && !href.startsWith("//")) href = cfg.base + href;
    let safe = null;
    try { const u = new URL(href); if (SAFE_PROTOCOLS.has(u.protocol)) safe = u.href; } catch (e) { /* not absolute */ }
    if (!safe || !allowed) return children;
    return [h("a", { href: safe, target: "_blank", rel: "noopener noreferrer" }, ...children)];
  }

  // ------------------------------------------------------------------ UI

  function buildUI() {
    // A custom element name: the store's rules for div (or body > div) never match the host.
    const host = h("supportdesk-widget", { id: "supportdesk-widget" });
    host.style.cssText = "all: initial"; // inline beats the store's non-important rules on the host
    const shadow = host.attachShadow({ mode: "open" });
    shadow.append(h("style", {}, STYLES));

    const u = { host, shadow };
    // Visually hidden, not [hidden]: it describes the launcher and, being live, announces a
    // reply that arrives while the panel (and its log) is closed.
    u.unreadNote = h("span", { id: "sd-unread", class: "sr-only", role: "status" });
    u.launcher = h("button", { class: "launcher", type: "button", "aria-label": "Open chat", "aria-expanded": "false",
      "aria-controls": "sd-panel", "aria-describedby": "sd-unread", onclick: () => setOpen(!state.open) }, svg(ICONS.chat), h("span", { class: "dot", hidden: true }));
    u.dot = u.launcher.querySelector(".dot");
    u.status = h("div", { class: "status", role: "status", hidden: true });
    u.notice = h("div", { class: "notice", role: "status", "aria-live": "polite", hidden: true });
    u.empty = h("p", { class: "empty" }, "Hi there! Ask us anything and we'll reply right here.");
    u.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    u.draft = h("div", { class: "msg out draft", "aria-hidden": "true", hidden: true }, h("div", { class: "who" }, LABELS.ai), h("div", { class: "bubble" }));
    u.typing = h("div", { class: "typing", role: "status", "aria-live": "polite" });
    u.scroller = h("div", { class: "scroller", tabindex: "-1" }, u.empty, u.log, u.draft, u.typing);
    // Shown when a message arrives while the shopper has scrolled up to read.
    u.jump = h("button", { class: "jump", type: "button", hidden: true, onclick: () => { scrollToEnd(); ui.input.focus(); } }, "New message ↓");
    u.body = h("div", { class: "body" }, u.scroller, u.jump);
    u.prechat = buildPrechat(u);
    // No maxlength: a long paste is kept whole, counted and refused with a reason, never cut.
    u.input = h("textarea", { rows: "1", "aria-label": "Message", placeholder: "Write a message…",
      "aria-describedby": "sd-counter", oninput: onInput, onkeydown: onInputKey });
    u.counter = h("span", { class: "counter", id: "sd-counter", hidden: true });
    u.send = h("button", { class: "send", type: "button", "aria-label": "Send", "aria-disabled": "true", onclick: submit }, svg(ICONS.send));
    u.composer = h("div", { class: "composer" }, u.input, u.counter, u.send);
    // The header comes last in the DOM so Tab goes launcher -> input -> send -> close; CSS
    // `order` draws it on top.
    u.close = h("button", { class: "close", type: "button", "aria-label": "Close chat", onclick: () => setOpen(false) }, svg(ICONS.close));
    u.header = h("div", { class: "header" }, h("div", { class: "title" }, cfg.title), u.close);
    u.panel = h("div", { class: "panel", id: "sd-panel", role: "dialog", "aria-label": cfg.title, hidden: true },
      u.status, u.notice, u.body, u.prechat, u.composer, u.header);
    u.root = h("div", { class: "root", onkeydown: (e) => {
      if (e.key === "Escape" && state.open) { e.stopPropagation(); setOpen(false); }
      else if (e.key === "Tab" && state.open && fullScreen()) trapTab(e);
    } }, u.launcher, u.unreadNote, u.panel);
    u.root.style.setProperty("--accent", cfg.color);
    u.root.style.setProperty("--on-accent", textOn(cfg.color));
    shadow.append(u.root);
    u.scroller.addEventListener("scroll", () => { u.stick = nearBottom(); if (u.stick) u.jump.hidden = true; }, { passive: true });
    u.stick = true;
    return u;
  }

  function buildPrechat(u) {
    u.email = h("input", { type: "email", autocomplete: "email", "aria-label": "Email", placeholder: "you@example.com" });
    u.name = h("input", { type: "text", autocomplete: "name", "aria-label": "Name (optional)", placeholder: "Your name (optional)" });
    u.prechatError = h("p", { class: "field-error", role: "alert" });
    const form = h("form", { class: "prechat", hidden: true, novalidate: true, onsubmit: onPrechat },
      h("p", {}, "Leave your email so we can follow up if you step away."),
      u.email, u.name, u.prechatError,
      h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Continue"),
        h("button", { type: "button", class: "link", onclick: () => prechatDone() }, "Skip")));
    return form;
  }

  function setOpen(open, { focus = true } = {}) {
    if (!ui) { state.open = open; return; }
    const hadFocus = ui.shadow.activeElement != null;
    state.open = open;
    ui.root.classList.toggle("open", open);
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    ui.panel.setAttribute("aria-modal", String(open && fullScreen()));
    if (open) {
      setUnread(false);
      markSeen();
      ensureConnected();
      updatePrechat();
      scrollToEnd();
      if (focus) (ui.prechat.hidden ? ui.input : ui.email).focus();
    } else if (focus && hadFocus) {
      ui.launcher.focus(); // only take focus back if it was in the widget
    }
    saveSession();
  }

  // On a phone the panel covers the page: it is modal, and Tab must not wander into the page
  // hidden behind it (the launcher is hidden too).
  function fullScreen() { return window.matchMedia(`(max-width: ${FULL_SCREEN_MAX_PX}px)`).matches; }

  function trapTab(e) {
    const items = [...ui.panel.querySelectorAll("button, textarea, input, a[href]")]
      .filter((el) => !el.disabled && el.getClientRects().length);
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1], at = ui.shadow.activeElement;
    if (e.shiftKey ? at === first || !ui.panel.contains(at) : at === last) {
      e.preventDefault();
      (e.shiftKey ? last : first).focus();
    }
  }

  function setUnread(on, from) {
    ui.dot.hidden = !on;
    ui.unreadNote.textContent = on ? `New message${from ? ` from ${from}` : ""}` : ""; // the launcher's description
  }

  function markSeen() {
    state.seenId = Math.max(state.seenId, state.lastId);
    local.setItem(keys.seen, String(state.seenId));
  }

  function renderStatus() {
    if (!ui) return;
    let text = "";
    if (state.fatal) text = "Chat is unavailable";
    else if (state.wanted && navigator.onLine === false) text = "You're offline. Messages will be sent when you reconnect.";
    else if (state.wanted && !state.ready && (state.everReady || state.attempts > 0)) text = "Reconnecting…";
    ui.status.textContent = text;
    ui.status.hidden = !text;
    ui.input.disabled = state.fatal;
    ui.composer.classList.toggle("disabled", state.fatal);
  }

  function showNotice(text) {
    ui.notice.textContent = text;
    ui.notice.hidden = false;
    clearTimeout(ui.noticeTimer);
    ui.noticeTimer = setTimeout(() => { ui.notice.hidden = true; }, 6000);
  }

  // ------------------------------------------------------------------ scrolling

  function nearBottom() { const s = ui.scroller; return s.scrollHeight - s.scrollTop - s.clientHeight < 48; }

  function scrollToEnd() { ui.scroller.scrollTop = ui.scroller.scrollHeight; ui.stick = true; ui.jump.hidden = true; }

  // Change the conversation, then follow it down unless the shopper had scrolled up to read.
  function changing(fn, force = false) {
    const stick = force || ui.stick || nearBottom();
    fn();
    ui.empty.hidden = state.rendered.size + state.pending.size > 0;
    if (stick) scrollToEnd();
  }

  // ------------------------------------------------------------------ messages

  function messageEl(m) {
    const mine = m.direction === "inbound";
    const system = m.sender_kind === "system";
    const bubble = h("div", { class: "bubble" });
    fillBubble(bubble, m, mine || system);
    // A screen reader hears who said each line, the shopper's own included.
    const who = mine ? h("div", { class: "sr-only" }, "You:")
      : !system && LABELS[m.sender_kind] ? h("div", { class: "who" }, LABELS[m.sender_kind]) : null;
    const el = h("div", { class: `msg ${system ? "system" : mine ? "in" : "out"}` }, who, bubble, h("div", { class: "meta" }));
    if (m.id != null) { el.dataset.id = String(m.id); setMeta(el, "", null, m.created_at); }
    return el;
  }

  // The shopper's own words and system notes stay plain text; replies get Markdown.
  function fillBubble(bubble, m, plain) {
    bubble.replaceChildren(plain ? String(m.body || "") : markdown(m.body));
    bubble.classList.toggle("plain", plain);
  }

  // Keep the log ordered by id, with unconfirmed messages last.
  function insertById(el, id) {
    let ref = null;
    for (const c of ui.log.children) {
      if (c !== el && (!c.dataset.id || Number(c.dataset.id) > id)) { ref = c; break; }
    }
    if (el.parentNode === ui.log && el.nextElementSibling === ref) return; // already in place
    ui.log.insertBefore(el, ref);
  }

  function renderMessage(m) {
    if (!m || typeof m.id !== "number") return;
    if (m.id > state.lastId) { state.lastId = m.id; saveSession(); }
    if (state.rendered.has(m.id)) return;
    if (m.client_id && state.pending.has(m.client_id)) { confirm(m.client_id, m); return; }
    changing(() => {
      const el = messageEl(m);
      insertById(el, m.id);
      state.rendered.set(m.id, el);
    });
    if (!ui.stick) ui.jump.hidden = false;
    if (m.direction === "outbound") agentSpoke(m);
    if (state.open) markSeen();
    updatePrechat();
  }

  function agentSpoke(m) {
    if (m.sender_kind === "ai") removeDraft();
    setAgentTyping(false);
    if (!state.open && m.sender_kind !== "system" && m.id > state.seenId) setUnread(true, LABELS[m.sender_kind]);
  }

  // A pending bubble becomes the stored message: same element, now with its id and time.
  function confirm(clientId, m) {
    const el = state.pending.get(clientId);
    state.pending.delete(clientId);
    el.classList.remove("pending", "failed");
    el.dataset.id = String(m.id);
    const bubble = el.querySelector(".bubble");
    if (typeof m.body === "string") fillBubble(bubble, m, true);
    setMeta(el, "", null, m.created_at);
    state.rendered.set(m.id, el);
    insertById(el, m.id);
  }

  // The meta line says "Sending…" or "Not sent. Retry" until the server has it, then its time.
  function setMeta(el, text, retry, at) {
    const meta = el.querySelector(".meta");
    if (at) el.dataset.at = at;
    meta.replaceChildren(text || timeEl(el.dataset.at));
    if (retry) meta.append(" ", h("button", { type: "button", class: "link", onclick: retry }, "Retry"));
  }

  function addPending(item) {
    changing(() => {
      const el = messageEl({ direction: "inbound", sender_kind: "customer", body: item.body, created_at: item.at });
      el.classList.add("pending");
      state.pending.set(item.client_id, el);
      ui.log.append(el);
      if (item.failed) showFailed(item.client_id);
      else setMeta(el, "Sending…");
    }, true);
  }

  function showFailed(clientId) {
    const el = state.pending.get(clientId);
    if (!el) return;
    el.classList.add("failed");
    setMeta(el, "Not sent.", () => retry(clientId));
  }

  function retry(clientId) {
    const item = state.outbox.find((m) => m.client_id === clientId);
    const el = state.pending.get(clientId);
    if (!item || !el) return;
    delete item.failed;
    saveOutbox();
    el.classList.remove("failed");
    setMeta(el, "Sending…");
    ui.input.focus(); // the Retry button is about to disappear
    if (state.ready) sendMessage(item); else ensureConnected();
  }

  // ------------------------------------------------------------------ streaming draft

  function onPartial(f) {
    if (typeof f.delta !== "string" || state.finishedRuns.has(f.run_id)) return;
    if (state.draftRun !== f.run_id) { state.draftRun = f.run_id; state.draftText = ""; }
    state.draftText += f.delta;
    clearTimeout(state.draftTimer);
    // Re-render at most once a frame however fast the deltas come.
    if (!state.draftFrame) state.draftFrame = requestAnimationFrame(renderDraft);
  }

  function renderDraft() {
    state.draftFrame = 0;
    if (state.draftRun == null) return;
    changing(() => {
      ui.draft.hidden = false;
      ui.draft.querySelector(".bubble").replaceChildren(markdown(state.draftText));
      ui.typing.hidden = true; // the growing draft already shows the agent at work
    });
  }

  // The final message is authoritative: the draft goes, whatever it said.
  function removeDraft() {
    if (state.draftRun != null) state.finishedRuns.add(state.draftRun);
    state.draftRun = null;
    state.draftText = "";
    cancelAnimationFrame(state.draftFrame);
    clearTimeout(state.draftTimer);
    state.draftFrame = 0;
    if (ui) { ui.draft.hidden = true; ui.draft.querySelector(".bubble").replaceChildren(); }
  }

  function setAgentTyping(on) {
    clearTimeout(state.agentTypingTimer);
    if (!ui) return;
    // A missed "stop" must not leave the indicator up for ever.
    if (on) state.agentTypingTimer = setTimeout(() => setAgentTyping(false), AGENT_TYPING_MAX_MS);
    changing(() => {
      ui.typing.textContent = on ? "Assistant is typing…" : "";
      ui.typing.classList.toggle("on", on);
      ui.typing.hidden = !on || state.draftRun != null;
    });
    // A run that stops without a final message (a hand-off, an error) must not leave its draft.
    if (!on && state.draftRun != null) {
      const run = state.draftRun;
      state.draftTimer = setTimeout(() => { if (state.draftRun === run) removeDraft(); }, 5000);
    }
  }

  // ------------------------------------------------------------------ composer

  function onInput() {
    updateComposer();
    if (!state.ready || !ui.input.value.trim()) return;
    const now = Date.now();
    if (now - state.typingSentAt >= TYPING_THROTTLE_MS) {
      send({ type: "typing", state: "start" });
      state.typingSentAt = now;
      state.typingActive = true;
    }
    clearTimeout(state.typingIdleTimer);
    state.typingIdleTimer = setTimeout(typingStop, TYPING_IDLE_MS);
  }

  function typingStop(always = false) {
    clearTimeout(state.typingIdleTimer);
    if ((state.typingActive || always) && state.ready) send({ type: "typing", state: "stop" });
    state.typingActive = false;
  }

  function onInputKey(e) {
    // Enter sends, Shift+Enter is a new line; never while an IME is composing a character.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  }

  // The text as the server will count it: control characters gone, blank ends trimmed.
  function draft() { return ui.input.value.replace(CONTROL_CHARS, "").trim(); }
  function charCount(text) { return [...text].length; } // code points, as Python's len()

  function updateComposer() {
    const body = draft(), len = charCount(body);
    ui.send.setAttribute("aria-disabled", String(!body || len > MAX_CHARS || state.fatal));
    ui.counter.hidden = len < COUNTER_FROM;
    ui.counter.textContent = `${len} / ${MAX_CHARS}`;
    ui.counter.classList.toggle("full", len > MAX_CHARS);
    ui.input.style.height = "auto"; // grow with the text, up to the CSS max-height
    ui.input.style.height = `${ui.input.scrollHeight}px`;
  }

  function submit() {
    const body = draft();
    if (!body || state.fatal) return;
    if (charCount(body) > MAX_CHARS) { showNotice(ERRORS.message_too_long); ui.input.focus(); return; } // the text stays to shorten
    const item = { client_id: uuid(), body, at: new Date().toISOString() };
    state.outbox.push(item);
    saveOutbox(); // before anything else: a reload now must not lose it
    addPending(item);
    ui.input.value = "";
    updateComposer();
    if (state.ready) {
      sendMessage(item);
      // "stop" closes the server's batch window early, so a burst of lines gets one answer.
      typingStop(true);
    } else {
      ensureConnected();
    }
  }

  function sendMessage(item) { send({ type: "message", body: item.body, client_id: item.client_id }); }

  // Queued messages go once, in order, after "ready"; failed ones wait for their Retry.
  function flushOutbox() {
    const due = state.outbox.filter((m) => !m.failed);
    due.forEach(sendMessage);
    if (due.length) typingStop(true);
  }

  function dropFromOutbox(clientId) {
    const before = state.outbox.length;
    state.outbox = state.outbox.filter((m) => m.client_id !== clientId);
    if (state.outbox.length !== before) saveOutbox();
  }

  // ------------------------------------------------------------------ pre-chat form

  function shouldPrechat() {
    return cfg.prechat && !state.user && !local.getItem(keys.prechat) && state.rendered.size + state.pending.size === 0;
  }

  function updatePrechat() {
    if (!ui) return;
    const show = state.open && shouldPrechat();
    const focusWasInForm = ui.prechat.contains(ui.shadow.activeElement);
    ui.prechat.hidden = !show;
    ui.composer.hidden = show;
    if (!show && focusWasInForm) ui.input.focus();
  }

  function onPrechat(e) {
    e.preventDefault();
    const email = ui.email.value.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) { ui.prechatError.textContent = ERRORS.invalid_email; ui.email.focus(); return; }
    queueFrame({ type: "identify", email, name: ui.name.value.trim() });
    prechatDone();
  }

  function prechatDone() {
    local.setItem(keys.prechat, "1");
    updatePrechat();
    ui.input.focus();
  }

  // ------------------------------------------------------------------ connection

  function ensureConnected() {
    state.wanted = true;
    if (!state.ws && !state.reconnectTimer) connect();
    renderStatus();
  }

  function connect() {
    state.reconnectTimer = 0;
    if (state.fatal || state.ws) return;
    let ws;
    try { ws = new WebSocket(cfg.wsUrl); } catch (e) { scheduleReconnect(); return; }
    state.ws = ws;
    state.ready = false;
    ws.onopen = () => { state.lastHeard = Date.now(); hello(); };
    ws.onmessage = (ev) => {
      if (state.ws !== ws) return;
      state.lastHeard = Date.now();
      let frame;
      try { frame = JSON.parse(ev.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string" && HANDLERS[frame.type]) HANDLERS[frame.type](frame);
    };
    ws.onclose = (ev) => { if (state.ws === ws) lost(ev.code); };
  }

  function hello() { send({ type: "hello", token: state.token || null, last_id: state.lastId, user: state.user || null }); }

  function send(frame) { if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(frame)); }

  function queueFrame(frame) {
    if (state.ready) send(frame);
    else { state.afterReady.push(frame); ensureConnected(); }
  }

  // The socket is gone (or we dropped it): tidy up, then come back unless told never to.
  function lost(code) {
    detach();
    if (FATAL_CLOSES.has(code)) state.fatal = true;
    else scheduleReconnect();
    renderStatus();
  }

  function detach() {
    const ws = state.ws;
    state.ws = null;
    state.ready = false;
    clearInterval(state.pingTimer);
    state.typingActive = false;
    removeDraft();
    setAgentTyping(false); // nobody is typing on a dead line; the replay brings the final reply
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try { ws.close(1000); } catch (e) { /* already closed */ }
    }
  }

  function scheduleReconnect() {
    if (state.fatal || state.reconnectTimer) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** state.attempts);
    state.attempts++;
    // Jitter spreads out a thousand widgets reconnecting after a server restart.
    const delay = base / 2 + Math.random() * (base / 2);
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    clearTimeout(state.reconnectTimer);
    if (state.fatal || !state.wanted) return;
    detach();
    connect(); // also clears reconnectTimer
    renderStatus();
  }

  function startPing() {
    clearInterval(state.pingTimer);
    state.pingTimer = setInterval(() => {
      // A socket that has heard nothing for two pings is dead though the browser may not know.
      if (Date.now() - state.lastHeard > SILENCE_MS) { lost(1006); return; }
      send({ type: "ping" });
    }, PING_MS);
  }

  const HANDLERS = {
    ready(f) {
      if (typeof f.token === "string" && f.token) { state.token = f.token; local.setItem(keys.token, f.token); }
      state.ready = state.everReady = true;
      state.attempts = 0;
      (Array.isArray(f.messages) ? f.messages : []).slice().sort((a, b) => a.id - b.id).forEach(renderMessage);
      startPing();
      state.afterReady.splice(0).forEach(send);
      flushOutbox();
      renderStatus();
      updatePrechat();
    },
    message(f) { renderMessage(f.message); },
    ack(f) {
      if (typeof f.client_id !== "string") return;
      dropFromOutbox(f.client_id);
      const m = f.message, el = state.pending.get(f.client_id);
      if (!m || typeof m.id !== "number") { if (el) setMeta(el, "", null, new Date().toISOString()); return; }
      // Already shown under its id (an echo without client_id): the pending copy is a duplicate.
      if (el && state.rendered.has(m.id)) { state.pending.delete(f.client_id); changing(() => el.remove()); }
      renderMessage({ ...m, client_id: f.client_id });
    },
    typing(f) { setAgentTyping(f.state === "start"); },
    "reply.partial": onPartial,
    "reply.discarded"(f) { if (state.draftRun === f.run_id) removeDraft(); },
    identified() { showNotice("Thanks! We'll follow up by email if we miss you here."); },
    pong() {},
    error(f) {
      const code = f.code;
      if (code === "invalid_token") { state.token = null; local.removeItem(keys.token); return; } // the server starts afresh
      if (code === "unknown_key" || code === "origin_not_allowed") return; // the fatal close follows
      if ((code === "invalid_user_hash" || code === "invalid_user") && !state.ready) {
        // The store's signing is broken: chat on as a guest rather than not at all.
        console.warn(`Supportdesk: ${f.message || code} Continuing as a guest.`);
        state.user = null;
        hello();
        return;
      }
      if (typeof f.client_id === "string" && state.pending.has(f.client_id)) {
        const item = state.outbox.find((m) => m.client_id === f.client_id);
        if (item) { item.failed = true; saveOutbox(); }
        showFailed(f.client_id);
      }
      if (code === "invalid_email" && ui && state.open) local.removeItem(keys.prechat);
      if (PROTOCOL_ERRORS.has(code)) console.warn(`Supportdesk: ${code}: ${f.message}`);
      showNotice(ERRORS[code] || (!PROTOCOL_ERRORS.has(code) && f.message) || "Something went wrong. Please try again.");
      updatePrechat();
    },
  };

  // ------------------------------------------------------------------ public API

  function identify(user) {
    const u = userFrom(user);
    if (!u) return;
    if (u.hash) {
      // A proven shopper is a different visitor: start clean and let the server replay their history.
      state.user = u;
      clearConversation();
      if (state.wanted) reconnectNow();
    } else if (u.email) {
      queueFrame({ type: "identify", email: u.email, name: u.name });
    }
    local.setItem(keys.prechat, "1");
    updatePrechat();
  }

  function clearConversation() {
    state.lastId = 0;
    removeDraft();
    const els = [...state.rendered.values()];
    state.rendered.clear();
    if (ui) changing(() => els.forEach((el) => el.remove()));
    saveSession();
  }

  function mount() {
    ui = buildUI();
    document.body.appendChild(ui.host);
    state.outbox.forEach(addPending);
    updateComposer();
    window.addEventListener("online", () => { if (state.wanted && !state.ready) reconnectNow(); });
    // Phones freeze background tabs and their sockets; don't wait for the ping to notice.
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && state.wanted && (!state.ready || Date.now() - state.lastHeard > SILENCE_MS)) reconnectNow();
    });
    // No network means the socket is dead, even if the browser has not noticed yet: drop it, so
    // what is typed now waits in the outbox and goes, once, when "online" reconnects.
    window.addEventListener("offline", () => { if (state.ws) lost(1006); else renderStatus(); });
    const startOpen = state.open || (saved.open != null ? saved.open : cfg.startOpen);
    // A known visitor or unsent messages: connect now so the history replays and the outbox drains.
    if (state.token || state.outbox.length) ensureConnected();
    // Restoring an open panel must not steal focus (or pop a phone's keyboard) on page load.
    if (startOpen) setOpen(true, { focus: false });
    renderStatus();
  }

  window.Supportdesk = Object.freeze({
    loaded: true,
    open: () => setOpen(true),
    close: () => setOpen(false),
    identify,
  });

  // ------------------------------------------------------------------ styles

  const STYLES = `
:host { all: initial; }
/* The store's "* { letter-spacing: 5px !important }" reaches the host, and its children would
   inherit it: start the tree from initial values instead. */
.root { all: initial; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #111827; -webkit-font-smoothing: antialiased; text-align: left; direction: ltr; }
.root *, .root *::before, .root *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, textarea, input { font: inherit; color: inherit; letter-spacing: normal; text-transform: none; margin: 0; }
button { cursor: pointer; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
/* On the accent colour the ring is drawn in the text colour, and the launcher gets a white gap
   so its ring shows on a dark page as on a light one. */
.header :focus-visible { outline-color: var(--on-accent); outline-offset: -2px; }
.launcher:focus-visible { outline-width: 3px; box-shadow: 0 0 0 2px #fff, 0 4px 14px rgba(0,0,0,.2); }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
svg { width: 24px; height: 24px; fill: currentColor; display: block; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px; border: 0;
  border-radius: 50%; padding: 0; display: grid; place-items: center; background: var(--accent); color: var(--on-accent);
  box-shadow: 0 4px 14px rgba(0,0,0,.2), 0 1px 3px rgba(0,0,0,.12); transition: transform .15s ease; }
.launcher:hover { transform: scale(1.05); } .launcher svg { width: 28px; height: 28px; }
.dot { position: absolute; top: 2px; right: 2px; width: 14px; height: 14px; border-radius: 50%; background: #ef4444; border: 2px solid #fff; }
.panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; width: 376px; height: min(640px, calc(100vh - 108px));
  display: flex; flex-direction: column; background: #fff; border-radius: 16px; overflow: hidden;
  box-shadow: 0 12px 48px rgba(0,0,0,.18), 0 2px 8px rgba(0,0,0,.08); animation: sd-in .18s ease-out; }
@keyframes sd-in { from { opacity: 0; transform: translateY(8px); } }
.header { order: -1; display: flex; align-items: center; gap: 8px; padding: 14px 12px 14px 18px; background: var(--accent); color: var(--on-accent); }
.title { flex: 1; font-size: 16px; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.close { border: 0; background: transparent; width: 36px; height: 36px; border-radius: 8px; display: grid; place-items: center; padding: 0; }
.close:hover { background: rgba(255,255,255,.16); } .close svg { width: 20px; height: 20px; }
.status { padding: 6px 16px; font-size: 12px; background: #fef3c7; color: #92400e; }
.notice { padding: 8px 16px; font-size: 13px; background: #fef2f2; color: #991b1b; border-bottom: 1px solid #fee2e2; }
.body { flex: 1; min-height: 0; position: relative; display: flex; flex-direction: column; }
.jump { position: absolute; left: 50%; bottom: 10px; transform: translateX(-50%); border: 0; border-radius: 999px; padding: 6px 14px;
  background: var(--accent); color: var(--on-accent); font-size: 13px; font-weight: 600; box-shadow: 0 2px 8px rgba(0,0,0,.2); white-space: nowrap; }
.scroller { flex: 1; overflow-y: auto; padding: 16px 14px 8px; background: #f9fafb; overscroll-behavior: contain; outline: none; }
.empty { margin: 24px 12px; text-align: center; color: #6b7280; }
.log { display: flex; flex-direction: column; }
.msg { display: flex; flex-direction: column; max-width: 85%; margin: 0 0 10px; align-self: flex-start; }
.msg.in { align-self: flex-end; align-items: flex-end; } .msg.system { align-self: center; max-width: 90%; }
.who { font-size: 12px; color: #6b7280; margin: 0 0 3px 4px; }
.bubble { padding: 9px 13px; border-radius: 16px 16px 16px 4px; background: #fff; border: 1px solid #e5e7eb;
  box-shadow: 0 1px 2px rgba(0,0,0,.04); overflow-wrap: anywhere; }
.bubble.plain { white-space: pre-wrap; }
.in .bubble { background: var(--accent); color: var(--on-accent); border-color: transparent; border-radius: 16px 16px 4px 16px; }
.in.pending .bubble { opacity: .75; }
.in.failed .bubble { opacity: 1; background: #fff; color: #111827; border-color: #fca5a5; }
.system .bubble { background: none; border: 0; box-shadow: none; color: #6b7280; font-size: 12px; text-align: center; padding: 2px 8px; }
.draft .bubble { border-style: dashed; }
.meta { font-size: 11px; color: #6b7280; margin: 3px 4px 0; } .meta:empty { display: none; } .failed .meta { color: #b91c1c; }
.bubble p, .bubble ul, .bubble ol, .bubble pre { margin: 0 0 .5em; }
.bubble > :last-child { margin-bottom: 0; }
.bubble ul, .bubble ol { padding-left: 1.3em; } .bubble li { margin: .15em 0; }
.bubble code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: rgba(0,0,0,.06); padding: 1px 4px; border-radius: 4px; }
.bubble pre { padding: 8px; background: rgba(0,0,0,.05); border-radius: 8px; overflow-x: auto; }
.bubble pre code { background: none; padding: 0; white-space: pre; }
.bubble a { color: var(--accent); text-decoration: underline; } .in .bubble a { color: inherit; }
.typing { font-size: 12px; color: #6b7280; margin: 2px 4px 8px; }
.typing.on::after { content: ""; display: inline-block; width: 6px; height: 6px; margin-left: 6px; border-radius: 50%;
  background: #9ca3af; animation: sd-pulse 1s infinite ease-in-out; }
@keyframes sd-pulse { 50% { opacity: .2; } }
.composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px 10px 10px 14px; border-top: 1px solid #e5e7eb; background: #fff; position: relative; }
.composer:focus-within { box-shadow: inset 0 2px 0 var(--accent); } .composer.disabled { opacity: .5; }
textarea { flex: 1; resize: none; border: 0; background: transparent; padding: 8px 0; max-height: 120px; min-height: 36px; line-height: 1.4; font-size: 15px; }
textarea:focus-visible { outline: none; } textarea::placeholder, input::placeholder { color: #9ca3af; }
.counter { position: absolute; right: 60px; top: -20px; font-size: 11px; color: #6b7280; background: #fff; padding: 1px 6px; border-radius: 6px; }
.counter.full { color: #b91c1c; font-weight: 600; }
.send { border: 0; width: 38px; height: 38px; border-radius: 50%; background: var(--accent); color: var(--on-accent); display: grid; place-items: center; padding: 0; flex: none; }
.send svg { width: 18px; height: 18px; } .send[aria-disabled="true"] { opacity: .4; cursor: default; }
.link { border: 0; background: none; padding: 0; color: var(--accent); text-decoration: underline; font-size: inherit; }
.failed .link { color: #b91c1c; font-weight: 600; }
.prechat { padding: 14px; border-top: 1px solid #e5e7eb; display: grid; gap: 8px; background: #fff; }
.prechat p { margin: 0; color: #374151; } .prechat .row { display: flex; align-items: center; gap: 14px; }
.prechat input { width: 100%; padding: 9px 11px; border: 1px solid #d1d5db; border-radius: 8px; background: #fff; }
.prechat input:focus-visible { outline-offset: -1px; }
.primary { border: 0; border-radius: 8px; padding: 8px 16px; background: var(--accent); color: var(--on-accent); font-weight: 600; }
.field-error { color: #b91c1c; font-size: 12px; } .field-error:empty { display: none; }
@media (max-width: 479px) {
  .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; animation: none; }
  .open .launcher { display: none; }
  textarea { font-size: 16px; } /* below 16px iOS zooms the page on focus */
}
@media (prefers-reduced-motion: reduce) { .panel, .typing.on::after, .launcher { animation: none; transition: none; } }
`;

  // Last, so everything above (STYLES included) is defined; an async script may run before <body>.
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
