// The Portolan console: renders each ConsoleView the server streams
// (GET events, server-sent events) as the reference diagram draws the
// stack. No framework: the page is rebuilt from each view, which is small.
"use strict";

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids.flat()) {
    if (k === undefined || k === null) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

function node(kind, label, attrs) {
  return el("div", Object.assign({ class: "node " + kind }, attrs), el("span", { class: "kind" }, kind.replace("-", " ")), label);
}

const arrow = () => el("span", { class: "arrow" }, "→");

// Rates: requests per second per route, from the counters of two views.
let lastCounts = null;
let lastTime = 0;

function rates(view) {
  const now = Date.now();
  const out = {};
  const counts = view.requests || {};
  if (lastCounts && now > lastTime) {
    for (const [k, v] of Object.entries(counts)) {
      out[k] = Math.max(0, (v - (lastCounts[k] || 0)) * 1000 / (now - lastTime));
    }
  }
  lastCounts = counts;
  lastTime = now;
  return out;
}

function taskEl(t, health) {
  const h = health || t.health || "UNKNOWN";
  return el("div", {
    class: "task", "data-task-id": t.id, "data-status": t.lastStatus, "data-health": h,
    title: "show logs", onclick: () => openLogs(t.id),
  }, el("code", {}, t.id.slice(0, 12)), el("span", { class: "status" }, t.lastStatus),
    el("span", { class: "health", "data-health": h }, h), t.address ? el("span", { class: "addr" }, t.address) : null);
}

function ecsServiceEl(s, instanceHealth) {
  return el("div", { class: "chain-tail" },
    node("ecs-service", `${s.name} (${s.running}/${s.desired} running, ${s.pending} pending)`,
      { "data-service": s.name, "data-cluster": s.cluster, "data-desired": s.desired, "data-running": s.running }),
    el("div", { class: "tasks" }, s.tasks.map(t => taskEl(t, instanceHealth[t.id]))));
}

function render(view) {
  const st = view.status;
  const rate = rates(view);
  const instanceHealth = {};
  const discovery = {};
  for (const ns of st.namespaces) {
    for (const svc of ns.services) {
      discovery[svc.name + "." + ns.name] = svc;
      for (const i of svc.instances) instanceHealth[i.id] = i.health;
    }
  }
  const ecs = [];
  for (const c of st.clusters) for (const s of c.services) ecs.push(Object.assign({ cluster: c.name }, s));
  const reached = new Set();
  const ecsFor = name => {
    const svc = discovery[name];
    if (!svc) return [];
    const ids = new Set(svc.instances.map(i => i.id));
    return ecs.filter(s => s.tasks.some(t => ids.has(t.id)));
  };

  const topo = el("div", { id: "topology" });
  if (st.apis.length === 0) topo.append(el("p", { class: "empty" }, "No HTTP APIs."));
  for (const api of st.apis) {
    const routes = api.routes.map(r => {
      const chain = [node("route", r.key, { "data-route-key": r.key })];
      const rps = rate[api.id + " " + r.key];
      if (rps !== undefined) chain.push(el("span", { class: "rate", "data-route-key": r.key }, rps.toFixed(1) + " req/s"));
      if (r.integrationId) { chain.push(arrow(), node("integration", r.integrationId, { "data-integration-id": r.integrationId })); }
      if (r.vpcLink) { chain.push(arrow(), node("vpc-link", r.vpcLink, { "data-vpc-link": r.vpcLink })); }
      if (r.target) {
        const kind = discovery[r.target] ? "cloud-map-service" : r.target.includes(":listener/") ? "load-balancer" : "url";
        const health = discovery[r.target] ? discovery[r.target].instances.map(i => i.health) : [];
        const healthy = health.filter(h => h === "HEALTHY").length;
        chain.push(arrow(), node(kind, discovery[r.target] ? `${r.target} (${healthy}/${health.length} healthy)` : r.target, { "data-target": r.target }));
        const services = ecsFor(r.target);
        if (services.length) {
          chain.push(arrow(), el("div", { class: "services" }, services.map(s => {
            reached.add(s.cluster + "/" + s.name);
            return ecsServiceEl(s, instanceHealth);
          })));
        }
      } else if (!r.integrationId && r.integration) {
        chain.push(arrow(), node("target", r.integration));
      }
      return el("div", { class: "chain" }, chain);
    });
    topo.append(el("div", { class: "api", "data-api-id": api.id, "data-api-name": api.name },
      el("h3", {}, api.name, " ", el("small", {}, `${api.protocol} · ${api.id} · ${api.endpoint}`)), routes));
  }
  document.getElementById("topology").replaceWith(topo);

  const rest = el("div", { id: "unrouted" });
  for (const s of ecs) if (!reached.has(s.cluster + "/" + s.name)) rest.append(el("div", { class: "chain" }, ecsServiceEl(s, instanceHealth)));
  for (const c of st.clusters) {
    if (c.tasks.length) rest.append(el("div", { class: "chain" }, node("cluster", c.name, { "data-cluster": c.name }), arrow(),
      el("div", { class: "tasks" }, c.tasks.map(t => taskEl(t, instanceHealth[t.id])))));
  }
  if (!rest.childNodes.length) rest.append(el("p", { class: "empty" }, "None."));
  document.getElementById("unrouted").replaceWith(rest);

  const nss = el("div", { id: "namespaces" });
  for (const ns of st.namespaces) {
    nss.append(el("table", { class: "namespace", "data-namespace": ns.name },
      el("tr", {}, el("th", { colspan: 3 }, `${ns.name} (${ns.type})`)),
      ns.services.flatMap(svc => svc.instances.length ? svc.instances.map(i => el("tr", { class: "instance", "data-instance-id": i.id },
        el("td", {}, svc.name + "." + ns.name), el("td", {}, i.address || ""), el("td", { class: "health", "data-health": i.health }, i.health)))
        : [el("tr", {}, el("td", {}, svc.name + "." + ns.name), el("td", { colspan: 2, class: "empty" }, "no instances"))])));
  }
  if (!st.namespaces.length) nss.append(el("p", { class: "empty" }, "No namespaces."));
  document.getElementById("namespaces").replaceWith(nss);

  const stacks = el("div", { id: "stacks" });
  for (const s of view.stacks) {
    stacks.append(el("table", { class: "stack", "data-stack": s.name },
      el("tr", {}, el("th", { colspan: 4 }, `${s.name}: ${s.status}`)),
      s.events.map(e => el("tr", {}, el("td", {}, new Date(e.time).toLocaleTimeString()), el("td", {}, e.resource),
        el("td", {}, e.status), el("td", {}, e.reason || "")))));
  }
  if (!view.stacks.length) stacks.append(el("p", { class: "empty" }, "No stacks."));
  document.getElementById("stacks").replaceWith(stacks);
}

// Logs: a task's lines from /_portolan/logs, followed until closed.
let logsAbort = null;

async function openLogs(target) {
  if (logsAbort) logsAbort.abort();
  logsAbort = new AbortController();
  const pane = document.getElementById("logs");
  const out = document.getElementById("logs-lines");
  document.getElementById("logs-target").textContent = target;
  out.textContent = "";
  pane.hidden = false;
  try {
    const resp = await fetch("../logs?follow=1&since=1h&target=" + encodeURIComponent(target), { signal: logsAbort.signal });
    const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line) continue;
        const l = JSON.parse(line);
        out.append((l.error ? "error: " + l.error : `${l.time} ${l.message}`) + "\n");
        out.scrollTop = out.scrollHeight;
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") out.append("error: " + e + "\n");
  }
}

function connect() {
  const conn = document.getElementById("conn");
  const es = new EventSource("events");
  es.addEventListener("view", ev => {
    conn.dataset.state = "live";
    conn.textContent = "live";
    render(JSON.parse(ev.data));
  });
  es.onerror = () => { conn.dataset.state = "reconnecting"; conn.textContent = "reconnecting…"; };
}

document.getElementById("logs-close").addEventListener("click", () => {
  if (logsAbort) logsAbort.abort();
  document.getElementById("logs").hidden = true;
});
connect();
