// The commander's page: renders the feed's state and timeline; never sends anything back.
// Everything from the server goes through textContent, never innerHTML: a note holding
// markup is shown as text.
"use strict";

const $ = (id) => document.getElementById(id);
const seen = new Set();

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function clock(iso) {
  const at = new Date(iso);
  return isNaN(at) ? "" : at.toLocaleTimeString([], { hour12: false });
}

function addEntry(entry) {
  if (seen.has(entry.id)) return;
  seen.add(entry.id);
  const li = el("li", "entry " + entry.kind);
  li.dataset.id = entry.id;
  li.dataset.seq = entry.seq;
  li.append(el("span", "at", clock(entry.at)), el("span", "kind", entry.kind),
            el("span", "who", entry.who), el("span", "text", entry.text));
  $("timeline").prepend(li);
}

function reset(entries) {
  seen.clear();
  $("timeline").replaceChildren();
  entries.forEach(addEntry);
}

function list(id, items, render) {
  const target = $(id);
  target.replaceChildren(...items.map(render));
  if (!items.length) target.append(el("li", "muted", "none"));
}

function render(doc) {
  const incident = doc.incident;
  const sev = $("severity");
  if (incident) {
    sev.textContent = incident.severity;
    sev.className = "sev " + incident.severity;
    $("title").textContent = incident.title + (incident.closed_at ? " (closed)" : "");
    $("lead").textContent = "commander " + incident.commander;
    $("phase").textContent = incident.phase_text;
  } else {
    sev.textContent = doc.severity || "";
    sev.className = "sev " + (doc.severity || "");
    $("title").textContent = "No incident is open";
    $("lead").textContent = "";
    $("phase").textContent = "";
  }
  document.title = (incident ? incident.severity + " " + incident.title + " — " : "") +
    document.querySelector("footer").textContent.split(" · ")[0];
  const link = $("link");
  link.textContent = doc.link === "live" ? "live" : doc.link;
  link.className = doc.link === "live" ? "link" : "link down";
  $("monitored").textContent = doc.monitored === "ok" ? "" : doc.monitored;
  list("findings", doc.findings, (f) =>
    el("li", "finding", `${f.severity} ${f.title} — value ${f.value}, threshold ${f.threshold}` +
       ` (runbook ${f.runbook})`));
  list("present", doc.present, (p) =>
    el("li", "", `${p.who} (${p.via}${p.where ? " @ " + p.where : ""})` +
       (p.screen ? ` on ${p.screen}` : "")));
  const box = $("checklists");
  box.replaceChildren();
  if (!doc.checklists.length) box.append(el("p", "muted", "no checklist started"));
  for (const c of doc.checklists) {
    const wrap = el("div", "checklist");
    wrap.append(el("div", "", `${c.title} — ${c.done}/${c.total}`));
    const bar = el("div", "bar"), fill = el("div");
    fill.style.width = (c.total ? (100 * c.done) / c.total : 0) + "%";
    bar.append(fill);
    const steps = el("ul");
    for (const s of c.steps) {
      const who = s.who ? ` (${s.who})` : "";
      steps.append(el("li", "step " + s.status, `${s.title}: ${s.status}${who}`));
    }
    wrap.append(bar, steps);
    box.append(wrap);
  }
  $("approvals-box").hidden = !doc.approvals.length;
  list("approvals", doc.approvals, (a) => {
    const li = el("li", "approval",
      `${a.action_id} on ${a.rows} rows (${a.why}), asked by ${a.requested_by}` +
      (a.reason ? ` — ${a.reason}` : "") + " — waiting for the commander");
    li.append(el("pre", "", a.sample.slice(0, 5).map((r) => JSON.stringify(r)).join("\n")));
    return li;
  });
}

function connect() {
  const events = new EventSource("events");
  events.addEventListener("reset", (e) => reset(JSON.parse(e.data)));
  events.addEventListener("entry", (e) => addEntry(JSON.parse(e.data)));
  events.addEventListener("state", (e) => render(JSON.parse(e.data)));
  events.onerror = () => {
    const link = $("link");
    link.textContent = "lost the console server; reconnecting…";
    link.className = "link down";
  };
}

connect();
