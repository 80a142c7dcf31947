// The sandbox inbox: customer actions through the admin API, and live updates by polling a revision.
// Only server-rendered (autoescaped) HTML is ever inserted; message data is never turned into markup here.
"use strict";
(function () {
  const root = document.getElementById("inbox");
  const key = root.dataset.key;
  let revision = root.dataset.revision;
  const notice = document.getElementById("notice");

  async function api(method, path, body) {
    const answer = await fetch(path, {
      method,
      headers: { "Authorization": "Bearer " + key, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = answer.headers.get("content-type")?.includes("json") ? await answer.json() : null;
    if (!answer.ok) {
      const message = data && data.error ? data.error.message : answer.statusText;
      notice.textContent = "Refused (" + answer.status + "): " + message;
      throw new Error(message);
    }
    return data;
  }

  function scrollToNewest() {
    const thread = document.getElementById("thread");
    if (root.dataset.page === "0") thread.scrollTop = thread.scrollHeight;
  }

  async function refresh() {
    const query = new URLSearchParams({
      q: root.dataset.query, chat: root.dataset.chat, page: root.dataset.page, chats_page: root.dataset.chatPage,
    });
    const data = await api("GET", "/_sandbox/inbox/parts?" + query.toString());
    document.getElementById("chats").innerHTML = data.chats;
    document.getElementById("thread").innerHTML = data.thread;
    revision = String(data.revision);
    scrollToNewest();
  }

  async function poll() {
    try {
      const data = await api("GET", "/_sandbox/inbox/changes");
      if (String(data.revision) !== revision) await refresh();
    } catch (error) {
      notice.textContent = "Sandbox unreachable: " + error.message;
    }
  }

  function openChat(waId) {
    const query = new URLSearchParams({ key, chat: waId });
    window.location.assign("/?" + query.toString());
  }

  document.addEventListener("click", async (event) => {
    const pressed = event.target.closest("[data-press]");
    if (pressed) {
      await api("POST", "/_sandbox/inbound", {
        from: pressed.dataset.from, button: { message_id: pressed.dataset.message, id: pressed.dataset.press },
      });
      notice.textContent = "The customer pressed “" + pressed.textContent + "”.";
      await refresh();
      return;
    }
    if (event.target.closest("[data-action=reset]")) {
      await api("POST", "/_sandbox/reset");
      notice.textContent = "Account reset.";
      await refresh();
    }
  });

  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-form]");
    if (!form) return;
    event.preventDefault();
    const fields = Object.fromEntries(new FormData(form).entries());
    if (form.dataset.form === "reply" || form.dataset.form === "new-chat") {
      const sent = await api("POST", "/_sandbox/inbound", { from: fields.from, text: fields.text });
      form.reset();
      if (form.dataset.form === "new-chat" || root.dataset.chat !== sent.wa_id) openChat(sent.wa_id);
      else await refresh();
    } else if (form.dataset.form === "faults") {
      const settings = { script: fields.script.split(",").map((s) => s.trim()).filter(Boolean) };
      for (const name of ["latency_ms", "error_rate", "rate_limit_rate", "drop_rate", "lost_response_rate"]) {
        settings[name] = Number(fields[name] || 0);
      }
      if (fields.seed !== "") settings.seed = Number(fields.seed);
      await api("PUT", "/_sandbox/faults", settings);
      notice.textContent = "Faults applied.";
    }
  });

  scrollToNewest();
  setInterval(poll, 1000);
})();
