// FLASH alerts on every open page of a signed-in user: Server-Sent Events from /events (the
// node decides who may see each one), kept in localStorage until acknowledged, so an alert
// stays on every tab and across page changes. No sound; text only, never innerHTML.
(function () {
  "use strict";
  const body = document.body;
  const user = body.dataset.user;
  const region = document.getElementById("alerts");
  if (!user || !region) return;
  const key = "gsomia-alerts:" + user;
  const baseTitle = document.title;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(alerts) { localStorage.setItem(key, JSON.stringify(alerts)); }

  function span(text, cls, lang) {
    const el = document.createElement(cls === "flash" ? "strong" : "span");
    el.textContent = text;
    if (cls) el.className = cls;
    if (lang) el.lang = lang;
    return el;
  }
  const langOf = { KOR: "ko", JPN: "ja" };

  // An alert for officers (a FLASH not delivered, a compromise, a partner's log): its kind,
  // partner and message, no holding to open.
  function notice(alert) {
    const box = document.createElement("div");
    box.className = "alert";
    box.setAttribute("role", "alert");
    const undelivered = alert.alert === "flash-undelivered";
    box.append(span(undelivered ? region.dataset.undelivered : region.dataset.notice, "flash"));
    box.append(span([alert.item, alert.partner].filter(Boolean).join(" → "), "alert-title"));
    box.append(span(alert.message || alert.alert, ""));
    const ack = document.createElement("button");
    ack.type = "button";
    ack.className = "ack";
    ack.textContent = region.dataset.ack;
    ack.addEventListener("click", function () {
      save(load().filter(function (a) { return idOf(a) !== idOf(alert); }));
      render();
    });
    box.append(ack);
    return box;
  }
  function idOf(alert) { return alert.holding || alert.key || alert.case || alert.at; }

  function card(alert) {
    if (alert.alert) return notice(alert);
    const box = document.createElement("div");
    box.className = "alert";
    box.setAttribute("role", "alert");
    box.dataset.holding = alert.holding;
    box.append(span(region.dataset.flash, "flash"));
    box.append(span(alert.marking, "alert-marking", langOf[body.dataset.nation]));
    box.append(span(region.dataset.originator + " " + alert.originator + ": ", "alert-orig"));
    box.lastChild.append(span(alert.original_marking, "", langOf[alert.originator]));
    box.append(span(alert.title, "alert-title"));
    const link = document.createElement("a");
    link.href = "/holdings/" + encodeURIComponent(alert.holding);
    link.textContent = region.dataset.open;
    box.append(link);
    const ack = document.createElement("button");
    ack.type = "button";
    ack.className = "ack";
    ack.textContent = region.dataset.ack;
    ack.addEventListener("click", function () {
      // The node keeps the alert until this acknowledgement reaches it (and logs it).
      const csrf = document.querySelector("#logout input[name=csrf]");
      fetch("/alerts/" + encodeURIComponent(alert.holding) + "/ack", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "csrf=" + encodeURIComponent(csrf ? csrf.value : ""),
        credentials: "same-origin",
      });
      save(load().filter(function (a) { return a.holding !== alert.holding; }));
      render();
    });
    box.append(ack);
    return box;
  }

  function render() {
    const alerts = load();
    region.replaceChildren.apply(region, alerts.map(card));
    document.title = alerts.length ? "⚑ FLASH (" + alerts.length + ") " + baseTitle : baseTitle;
  }

  // Alerts the node keeps for this person until acknowledged: a FLASH that came while no
  // page was open is here at sign-in.
  let kept = [];
  try { kept = JSON.parse(region.dataset.kept || "[]"); } catch (e) { kept = []; }
  const stored = load();
  kept.forEach(function (alert) {
    if (!stored.some(function (a) { return idOf(a) === idOf(alert); })) stored.push(alert);
  });
  save(stored);

  window.addEventListener("storage", function (e) { if (e.key === key) render(); });
  const logout = document.getElementById("logout");
  if (logout) logout.addEventListener("submit", function () { localStorage.removeItem(key); });

  const source = new EventSource("/events");
  source.addEventListener("ready", function () { body.dataset.live = "ready"; });
  source.addEventListener("flash", function (e) {
    const alert = JSON.parse(e.data);
    const alerts = load();
    if (!alerts.some(function (a) { return idOf(a) === idOf(alert); })) {
      alerts.push(alert);
      save(alerts);
    }
    render();
  });
  source.addEventListener("error", function () { body.dataset.live = "reconnecting"; });
  render();
})();
