// The staff live view of one conversation: appends what /ws/staff/ pushes. Text is only ever
// set with textContent, so nothing a shopper writes can run as markup here.
(function () {
  "use strict";
  var main = document.getElementById("live");
  var conversationId = Number(main.dataset.conversationId);
  var list = document.getElementById("messages");
  var activity = document.getElementById("activity");
  var typing = document.getElementById("typing");
  var connection = document.getElementById("connection");
  var ticket = document.getElementById("ticket");
  var labels = { customer: "Customer", ai: "AI agent", staff: "Staff", system: "System" };
  var channels = { web: "Web chat", email: "Email", sms: "SMS" };
  var delay = 1000;
  var draft = null;

  // The same 24-hour clock as the times the server rendered.
  function clock(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  function seen(id) {
    return list.querySelector('[data-id="' + id + '"]') !== null;
  }

  function addMessage(message, fresh) {
    if (seen(message.id)) return;
    if (draft && message.direction === "outbound") { draft.remove(); draft = null; }
    var item = document.createElement("li");
    item.className = "message " + message.direction + " " + message.sender_kind + (fresh ? " new" : "");
    item.dataset.id = message.id;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = (labels[message.sender_kind] || message.sender_kind) + " · " + (channels[message.channel] || message.channel);
    var time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = clock(new Date(message.created_at));
    var body = document.createElement("div");
    body.className = "body";
    body.textContent = message.body;
    item.append(who, time, body);
    list.appendChild(item);
    item.scrollIntoView({ block: "end", behavior: "smooth" });
  }

  function addActivity(text) {
    var item = document.createElement("li");
    item.textContent = clock(new Date()) + " · " + text;
    activity.appendChild(item);
  }

  function streamDelta(delta) {
    if (!draft) {
      draft = document.createElement("li");
      draft.className = "message outbound ai draft";
      var body = document.createElement("div");
      body.className = "body";
      draft.appendChild(body);
      list.appendChild(draft);
    }
    draft.lastChild.textContent += delta;
  }

  function onEvent(event) {
    if (event.conversation_id !== conversationId) return;
    var data = event.data || {};
    switch (event.kind) {
      case "message.created": addMessage(data, true); break;
      case "turn.started": typing.textContent = "The AI agent is writing…"; addActivity("Agent turn started"); break;
      case "reply.partial": streamDelta(data.delta || ""); break;
      case "reply.done": typing.textContent = ""; addActivity("Agent replied"); break;
      case "tool.called": addActivity("Tool " + data.tool + ": " + data.status); break;
      case "ticket.updated":
        ticket.textContent = "Ticket #" + data.id + ": " + (data.category || "uncategorised") + ", " + data.priority + " priority";
        addActivity("Ticket updated");
        break;
      case "typing":
        if (data.who === "customer") typing.textContent = data.state === "start" ? "The customer is typing…" : "";
        break;
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/staff/");
    socket.onopen = function () {
      delay = 1000;
      connection.textContent = "Live";
      socket.send(JSON.stringify({ type: "subscribe", conversation_id: conversationId }));
    };
    socket.onmessage = function (frame) {
      var content = JSON.parse(frame.data);
      if (content.type === "subscribed") content.messages.forEach(function (m) { addMessage(m, false); });
      else if (content.type === "event") onEvent(content);
      else if (content.type === "error") connection.textContent = content.message;
    };
    socket.onclose = function (close) {
      if (close.code === 4401) { connection.textContent = "Signed out: reload to sign in."; return; }
      connection.textContent = "Reconnecting…";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
})();
