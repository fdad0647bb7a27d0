// The staff dashboard, live over /ws/staff/: the inbox list and counts refresh as events come
// (keeping the scroll position), the workspace's timeline too; the composer tells the shopper
// a person is typing. Without JavaScript every page and form still works.
(function () {
  "use strict";
  const status = document.getElementById("connection");
  const workspace = document.getElementById("workspace");
  const rows = document.getElementById("rows");
  const conversationId = workspace ? Number(workspace.dataset.conversationId) : null;
  let socket = null, retry = 1000, refreshTimer = 0;
  const me = document.body.dataset.user || "";
  const viewers = new Set(); // colleagues on this conversation's page now

  function say(text) { if (status) status.textContent = text; }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/staff/`);
    socket.onopen = () => { retry = 1000; say("Live"); };
    socket.onclose = () => {
      say("Reconnecting…");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
    socket.onmessage = (message) => {
      let frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      if (frame.type === "ready") {
        if (conversationId) socket.send(JSON.stringify({ type: "subscribe", conversation_id: conversationId }));
        refreshSoon(0); // catch up on what a dropped socket missed
        return;
      }
      if (frame.type === "event") onEvent(frame);
    };
  }

  function onEvent(frame) {
    if (frame.kind === "note.created" && (frame.data.mentions || []).includes(me)) {
      const badge = document.getElementById("mention-count");
      if (badge) badge.textContent = String(Number(badge.textContent || 0) + 1); // a colleague named me
    }
    if (rows) { refreshSoon(400); return; }
    if (!workspace || frame.conversation_id !== conversationId) return;
    if (frame.kind === "typing") {
      const who = frame.data.who === "customer" ? "The shopper" : frame.data.user;
      if (who && who !== me) {
        document.getElementById("typing").textContent = frame.data.state === "start" ? `${who} is typing…` : "";
      }
      return;
    }
    if (frame.kind === "presence") {
      const user = frame.data.user;
      if (!user || user === me) return;
      if (frame.data.state === "left") viewers.delete(user); else viewers.add(user);
      const line = document.getElementById("viewers");
      if (line) line.textContent = viewers.size ? `Also here: ${[...viewers].sort().join(", ")}` : "";
      return;
    }
    if (frame.kind === "message.created" && frame.data.direction === "outbound" && composing()) {
      warn("A reply was just sent in this conversation: read it before you send yours.");
    }
    if (["message.created", "note.created", "conversation.updated", "ticket.updated", "reply.done",
         "review.decided", "tool.called"].includes(frame.kind)) refreshSoon(250);
  }

  function composing() {
    const body = document.getElementById("reply-body");
    return body && body.value.trim() !== "";
  }

  function warn(text) {
    const form = document.getElementById("reply-form");
    if (!form || form.querySelector(".warning.live")) return;
    const p = document.createElement("p");
    p.className = "warning live";
    p.setAttribute("role", "alert");
    p.textContent = text;
    form.prepend(p);
  }

  // The first event after a quiet spell refreshes at once; the events of a burst after it (an
  // AI turn sends several) come together in one more refresh, at most one per `gap` ms.
  let lastRefresh = 0;
  function refreshSoon(gap) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, Math.max(0, lastRefresh + gap - Date.now()));
  }

  // "Tick all" ticks the page's rows; a live refresh waits while any row is ticked.
  document.addEventListener("change", (event) => {
    if (event.target.id === "tick-all") {
      document.querySelectorAll('input[name="ids"]').forEach((box) => { box.checked = event.target.checked; });
    }
  });
  const ticked = () => document.querySelector('input[name="ids"]:checked') !== null;

  async function refresh() {
    lastRefresh = Date.now();
    try {
      if (rows && ticked()) { refreshSoon(3000); return; }
      if (rows) {
        const url = new URL(rows.dataset.refresh, location.origin);
        url.searchParams.set("partial", "1");
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) return;
        const html = await response.text();
        const scroll = window.scrollY;
        rows.innerHTML = html;
        window.scrollTo(0, scroll);
        const counts = document.getElementById("view-counts");
        if (counts) {
          const values = JSON.parse(counts.textContent);
          for (const [view, n] of Object.entries(values)) {
            const el = document.querySelector(`[data-count="${view}"]`);
            if (el) el.textContent = n;
          }
        }
      } else if (workspace) {
        const response = await fetch(location.pathname, { credentials: "same-origin" });
        if (!response.ok) return;
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        for (const id of ["timeline", "thread-title"]) {
          const fresh = page.getElementById(id), here = document.getElementById(id);
          if (fresh && here) here.replaceWith(fresh);
        }
        const owner = page.querySelector(".thread-head .actions"), mine = document.querySelector(".thread-head .actions");
        if (owner && mine && !mine.contains(document.activeElement)) mine.replaceWith(owner);
        const line = page.querySelector(".owner"), here = document.querySelector(".owner");
        if (line && here) here.replaceWith(line);
      }
    } catch (e) { /* the next event or reconnect refreshes again */ }
  }

  // The shopper sees "typing" while a person writes a reply.
  const body = document.getElementById("reply-body");
  if (body && conversationId) {
    let typing = false, stopTimer = 0;
    const send = (state) => {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "typing", conversation_id: conversationId, state }));
      }
    };
    body.addEventListener("input", () => {
      if (!typing) { typing = true; send("start"); }
      clearTimeout(stopTimer);
      stopTimer = setTimeout(() => { typing = false; send("stop"); }, 3000);
    });
  }

  // A canned reply, filled in for this conversation, goes into the reply box to edit there.
  const insert = document.getElementById("canned-insert");
  if (insert) {
    insert.addEventListener("click", (event) => {
      const option = document.getElementById("canned-pick").selectedOptions[0];
      const box = document.getElementById("reply-body");
      if (!option || !box) return;
      event.preventDefault();
      box.value = box.value.trim() ? `${box.value.trimEnd()}\n\n${option.dataset.text}` : option.dataset.text;
      box.focus();
      box.dispatchEvent(new Event("input"));
    });
  }

  // ------------------------------------------------------------------ keyboard

  const sheet = document.getElementById("shortcuts");
  const showSheet = () => { if (sheet && !sheet.open) sheet.showModal(); };
  const opener = document.getElementById("show-shortcuts");
  if (opener) opener.addEventListener("click", showSheet);

  // The inbox remembers its order, so j and k walk it from a conversation.
  if (rows) {
    const ids = [...document.querySelectorAll("tr[data-conversation]")].map((tr) => tr.dataset.conversation);
    sessionStorage.setItem("supportdesk.inbox", JSON.stringify(ids));
  }
  function walk(step) {
    let ids = [];
    try { ids = JSON.parse(sessionStorage.getItem("supportdesk.inbox") || "[]"); } catch (e) { ids = []; }
    const next = ids[ids.indexOf(String(conversationId)) + step];
    if (next) location.href = `/dashboard/conversations/${next}/`;
  }
  function press(selector) {
    const button = document.querySelector(selector);
    if (button) button.click();
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form && target.tagName === "TEXTAREA") {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable;
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const actions = {
      "?": showSheet,
      "/": () => { const q = document.querySelector('input[name="q"]'); if (q) q.focus(); else location.href = "/dashboard/"; },
      r: () => { const el = document.getElementById("reply-body"); if (el) el.focus(); },
      n: () => { const el = document.getElementById("note-body"); if (el) el.focus(); },
      j: () => walk(1),
      k: () => walk(-1),
      a: () => press('form[action$="/assign/"] input[value="me"] ~ button'),
      e: () => press('form[action$="/resolve/"] button'),
      t: () => press('form[action$="/take_over/"] button'),
    };
    const action = actions[event.key];
    if (action && (workspace || ["?", "/"].includes(event.key))) {
      event.preventDefault();
      action();
    }
  });

  if (status) connect();
})();
