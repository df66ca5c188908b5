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

// edge is an arrow of the diagram with the requests per second that
// crossed it over the server's rate window (undefined: nothing measures
// that edge).
// unit names what is counted ("/s": requests; " conn/s": a Network Load
// Balancer's new connections).
function edge(kind, rps, unit) {
  const attrs = { class: "arrow edge", "data-edge": kind };
  if (rps === undefined) return el("span", attrs, "→");
  attrs["data-rate"] = rps;
  return el("span", attrs, "→", el("small", { class: "rate" }, fmtRate(rps, unit)));
}

function fmtRate(rps, unit) { return (rps >= 10 ? rps.toFixed(0) : rps.toFixed(1)) + (unit || "/s"); }

// health words a node's state: every part healthy, some, none.
function health(ok, total) {
  if (!total) return "UNKNOWN";
  return ok === total ? "HEALTHY" : ok === 0 ? "UNHEALTHY" : "DEGRADED";
}

function taskEl(t, instHealth, rps) {
  const h = instHealth || t.health || "UNKNOWN";
  return el("div", {
    class: "task", "data-task-id": t.id, "data-status": t.lastStatus, "data-health": h,
    title: "show logs", onclick: () => openLogs(t.id),
  }, rps === undefined ? null : edge("ecs-service-task", rps),
    el("code", {}, t.id.slice(0, 12)), el("span", { class: "status" }, t.lastStatus),
    el("span", { class: "health", "data-health": h }, h), t.address ? el("span", { class: "addr" }, t.address) : null);
}

// ecsServiceEl draws an ECS service and its tasks; taskRate, when given,
// is the requests per second the Cloud Map service in front sent to each
// task (by task id).
function ecsServiceEl(s, instanceHealth, taskRate) {
  const rateOf = t => taskRate ? (taskRate[t.id] || 0) : undefined;
  const total = taskRate ? s.tasks.reduce((sum, t) => sum + rateOf(t), 0) : undefined;
  return el("div", { class: "chain-tail" },
    taskRate ? edge("cloud-map-service-ecs-service", total) : null,
    node("ecs-service", `${s.name} (${s.running}/${s.desired} running, ${s.pending} pending)`,
      { "data-service": s.name, "data-cluster": s.cluster, "data-desired": s.desired, "data-running": s.running,
        "data-health": s.desired ? health(Math.min(s.running, s.desired), s.desired) : "UNKNOWN" }),
    el("div", { class: "tasks" }, s.tasks.map(t => taskEl(t, instanceHealth[t.id], rateOf(t)))));
}

// routeChain draws one route of an HTTP API: route → integration → VPC
// link → target (→ ECS services → tasks), every edge with its rate.
function routeChain(api, r, ctx) {
  const rps = ctx.routeRates[api.id + " " + r.key] || 0;
  const chain = [edge("api-route", rps), node("route", r.key, { "data-route-key": r.key })];
  let from = "route";
  if (r.integrationId) {
    chain.push(edge("route-integration", rps), node("integration", r.integrationId, { "data-integration-id": r.integrationId }));
    from = "integration";
  }
  if (r.vpcLink) {
    const status = ctx.linkStatus[r.vpcLink];
    chain.push(edge(from + "-vpc-link", rps), node("vpc-link", r.vpcLink,
      { "data-vpc-link": r.vpcLink, "data-health": status === "AVAILABLE" ? "HEALTHY" : (status || "UNKNOWN") }));
    from = "vpc-link";
  }
  if (!r.target) {
    if (!r.integrationId && r.integration) chain.push(edge("route-target", rps), node("target", r.integration));
    return el("div", { class: "chain" }, chain);
  }
  const svc = ctx.discovery[r.target];
  const kind = svc ? "cloud-map-service" : r.target.includes(":listener/") ? "load-balancer" : "url";
  const attrs = { "data-target": r.target };
  let label = r.target;
  if (svc) {
    const healthy = svc.instances.filter(i => i.health === "HEALTHY").length;
    label = `${r.target} (${healthy}/${svc.instances.length} healthy)`;
    attrs["data-health"] = health(healthy, svc.instances.length);
    attrs["data-cloud-map-service-id"] = svc.id;
  }
  chain.push(edge(from + "-" + kind, rps), node(kind, label, attrs));
  if (svc) {
    const ids = new Set(svc.instances.map(i => i.id));
    const services = ctx.ecs.filter(s => s.tasks.some(t => ids.has(t.id)));
    const perTask = {};
    for (const i of svc.instances) perTask[i.id] = ctx.instRates[svc.id + "/" + i.id] || 0;
    if (services.length) {
      chain.push(el("div", { class: "services" }, services.map(s => {
        ctx.reached.add(s.cluster + "/" + s.name);
        return ecsServiceEl(s, ctx.instanceHealth, perTask);
      })));
    }
  }
  return el("div", { class: "chain" }, chain);
}

// restChain draws one method of a REST API: method → integration → VPC
// link → Network Load Balancer (or the integration's URL).
function restChain(api, m, ctx) {
  const rps = ctx.restRates[api.id + " " + m.resource + " " + m.method] || 0;
  const chain = [edge("api-method", rps), node("method", `${m.method} ${m.resource}`, { "data-resource": m.resource, "data-method": m.method })];
  if (m.integrationType) chain.push(edge("method-integration", rps), node("integration", m.integrationType, { "data-integration-type": m.integrationType }));
  if (m.vpcLink) {
    chain.push(edge("integration-vpc-link", rps), node("vpc-link", m.vpcLink,
      { "data-vpc-link": m.vpcLink, "data-health": m.vpcLinkStatus === "AVAILABLE" ? "HEALTHY" : (m.vpcLinkStatus || "UNKNOWN") }));
    if (m.loadBalancer) {
      const lb = (ctx.balancers[m.loadBalancer] || {}).name || m.loadBalancer;
      chain.push(edge("vpc-link-load-balancer", rps), node("load-balancer", lb, { "data-lb-arn": m.loadBalancer }));
    }
  } else if (m.target) {
    chain.push(edge("integration-url", rps), node("url", m.target));
  }
  return el("div", { class: "chain" }, chain);
}

function render(view) {
  const st = view.status;
  const rates = view.rates || {};
  const ctx = { routeRates: rates.routes || {}, instRates: rates.instances || {}, restRates: rates.restMethods || {},
    instanceHealth: {}, discovery: {}, linkStatus: {}, balancers: {}, ecs: [], reached: new Set() };
  for (const lb of st.loadBalancers || []) ctx.balancers[lb.arn] = lb;
  for (const ns of st.namespaces) {
    for (const svc of ns.services) {
      ctx.discovery[svc.name + "." + ns.name] = svc;
      for (const i of svc.instances) ctx.instanceHealth[i.id] = i.health;
    }
  }
  for (const l of st.vpcLinks) ctx.linkStatus[l.name] = l.status;
  for (const c of st.clusters) for (const s of c.services) ctx.ecs.push(Object.assign({ cluster: c.name }, s));

  const topo = el("div", { id: "topology" });
  if (st.apis.length === 0 && !(st.restApis || []).length) topo.append(el("p", { class: "empty" }, "No APIs."));
  for (const api of st.apis) {
    topo.append(el("div", { class: "api", "data-api-id": api.id, "data-api-name": api.name },
      el("h3", {}, api.name, " ", el("small", {}, `${api.protocol} · ${api.id} · ${api.endpoint}`)),
      api.routes.map(r => routeChain(api, r, ctx))));
  }
  for (const api of st.restApis || []) {
    topo.append(el("div", { class: "api rest-api", "data-api-id": api.id, "data-api-name": api.name },
      el("h3", {}, api.name, " ", el("small", {}, `REST · ${api.id} · stages: ${api.stages.join(", ") || "none"}`)),
      api.methods.map(m => restChain(api, m, ctx))));
  }
  document.getElementById("topology").replaceWith(topo);
  renderBalancers(st, ctx, rates);

  const rest = el("div", { id: "unrouted" });
  for (const s of ctx.ecs) if (!ctx.reached.has(s.cluster + "/" + s.name)) rest.append(el("div", { class: "chain" }, ecsServiceEl(s, ctx.instanceHealth)));
  for (const c of st.clusters) {
    if (c.tasks.length) rest.append(el("div", { class: "chain" }, node("cluster", c.name, { "data-cluster": c.name }), edge("cluster-task"),
      el("div", { class: "tasks" }, c.tasks.map(t => taskEl(t, ctx.instanceHealth[t.id])))));
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

  renderDNS(view.dns);

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

// renderBalancers draws each load balancer: listener → target group →
// targets, the ECS task behind a target named where its address matches.
// Application Load Balancers count requests per listener and group and
// per target; Network Load Balancers count new connections per target (a
// group's edge carries the sum of its targets') and the ones open now.
function renderBalancers(st, ctx, rates) {
  const taskAt = {};
  for (const s of ctx.ecs) for (const t of s.tasks) if (t.address) { taskAt[t.address] = [s, t]; taskAt[t.address.split(":")[0]] = [s, t]; }
  for (const c of st.clusters) for (const t of c.tasks) if (t.address) taskAt[t.address] = taskAt[t.address.split(":")[0]] = [null, t];
  const out = el("div", { id: "balancers" });
  for (const lb of st.loadBalancers || []) {
    const network = lb.type === "network";
    const unit = network ? " conn/s" : "/s";
    const perTarget = (network ? rates.newFlows : rates.targets) || {};
    const active = rates.activeFlows || {};
    const listeners = lb.listeners.map(l => {
      const measured = l.address && (network || lb.type === "application");
      const groups = l.targetGroups.map(g => {
        const healthy = g.targets.filter(t => t.health === "healthy").length;
        const keyOf = t => l.address + " " + g.arn + " " + t.id + ":" + t.port;
        const rateOf = t => measured ? (perTarget[keyOf(t)] || 0) : undefined;
        let rps;
        if (measured) rps = network ? g.targets.reduce((sum, t) => sum + rateOf(t), 0) : (rates.listeners || {})[l.address + " " + g.arn] || 0;
        const targets = g.targets.map(t => {
          const hit = taskAt[t.id + ":" + t.port] || taskAt[t.id];
          if (hit && hit[0]) ctx.reached.add(hit[0].cluster + "/" + hit[0].name);
          const h = t.health === "healthy" ? "HEALTHY" : t.health === "unhealthy" ? "UNHEALTHY" : t.health.toUpperCase();
          const open = network && measured ? (active[keyOf(t)] || 0) : undefined;
          return el("div", { class: "target", "data-target-id": t.id, "data-port": t.port, "data-health": h, "data-task-id": hit ? hit[1].id : null, "data-active": open },
            edge("target-group-target", rateOf(t), unit),
            el("code", {}, `${t.id}:${t.port}`), el("span", { class: "health", "data-health": h }, t.health),
            open === undefined ? null : el("small", { class: "active" }, `${open} open`),
            hit ? el("span", { class: "addr" }, (hit[0] ? hit[0].name + " " : "task ") + hit[1].id.slice(0, 12)) : null);
        });
        return el("div", { class: "chain-tail" }, edge("listener-target-group", rps, unit),
          node("target-group", `${g.name} (${healthy}/${g.targets.length} healthy)`, { "data-target-group-arn": g.arn, "data-health": health(healthy, g.targets.length) }),
          el("div", { class: "tasks" }, targets));
      });
      return el("div", { class: "chain" }, node("listener", `${l.protocol}:${l.port}`, { "data-listener-arn": l.arn, "data-address": l.address || null }),
        el("div", { class: "services" }, groups));
    });
    out.append(el("div", { class: "api lb", "data-lb-name": lb.name, "data-lb-type": lb.type },
      el("h3", {}, lb.name, " ", el("small", {}, `${lb.type} · ${lb.state} · ${lb.dnsName}`)), listeners));
  }
  if (!out.childNodes.length) out.append(el("p", { class: "empty" }, "No load balancers."));
  document.getElementById("balancers").replaceWith(out);
}

// renderDNS lists each service's records as the DNS server answers them.
function renderDNS(names) {
  const out = el("div", { id: "dns" });
  for (const n of names || []) {
    out.append(el("table", { class: "dns-name", "data-name": n.name },
      el("tr", {}, el("th", { colspan: 4 }, n.name)),
      n.records.length ? n.records.map(r => el("tr", { class: "rr" + (r.additional ? " additional" : ""), "data-name": r.name, "data-type": r.type, "data-ttl": r.ttl, "data-value": r.value },
        el("td", {}, r.name), el("td", {}, r.type), el("td", {}, r.ttl), el("td", {}, r.value)))
        : [el("tr", {}, el("td", { colspan: 4, class: "empty" }, "no records (NXDOMAIN or NODATA)"))]));
  }
  if (!out.childNodes.length) out.append(el("p", { class: "empty" }, names ? "No DNS namespaces." : "No DNS server in this process."));
  document.getElementById("dns").replaceWith(out);
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
