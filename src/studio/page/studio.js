// certpress studio: the page's behaviour. Talks only to its own origin (/api/…).
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
let state = null;          // the last /api/state answer
let shownVersion = -1;     // the version the picture and boxes show
let selected = null;       // the selected element's id
let checkVersion = 0;      // raised by every scan checked

function choice(name) {
  const checked = document.querySelector(`input[name="${name}"]:checked`);
  return checked ? checked.value : "";
}

function zoom() { return Number($("zoom").value) / 100; }

// The sheet's size on screen, and the picture's resolution to match it: sharp at any
// zoom on any screen (device pixels per millimetre, in steps the server rounds to).
function layoutSheet() {
  if (!state || !state.width_mm) return;
  const wrap = $("sheet-wrap");
  const fit = Math.max(200, wrap.clientWidth - 40);
  const width = fit * zoom();
  const height = width * state.height_mm / state.width_mm;
  const sheet = $("sheet");
  sheet.style.width = `${width}px`;
  sheet.style.height = `${height}px`;
  const dpi = Math.min(600, Math.max(10, width * (window.devicePixelRatio || 1) / (state.width_mm / 25.4)));
  const params = new URLSearchParams({ pass: choice("pass"), light: choice("light"), dpi: dpi.toFixed(0), v: state.version });
  if ($("plate").value) params.set("plate", $("plate").value);
  const src = $("show-check").checked && state.check ? `/api/overlay.png?v=${checkVersion}` : `/api/picture.png?${params}`;
  if ($("picture").getAttribute("src") !== src) $("picture").setAttribute("src", src);
}

function el(tag, attrs = {}, text) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function rect(r, cls) {
  return el("svg:rect", { class: cls, x: r.left, y: r.top, width: Math.max(0.1, r.right - r.left), height: Math.max(0.1, r.bottom - r.top) });
}

// Every element's parts (their laid-out boxes, a content's box), the tolerance band
// around where the spec puts it, its id and kind.
function drawBoxes() {
  const svg = $("boxes");
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${state.width_mm} ${state.height_mm}`);
  const tol = state.tolerance_mm || 0;
  const warned = new Set(state.lint.map((w) => w.element).filter(Boolean));
  for (const element of state.elements) {
    const g = el("svg:g", { class: "element", tabindex: "0", "data-id": element.id, role: "button", "aria-label": `${element.id} (${element.kind})` });
    if (warned.has(element.id)) g.classList.add("warned");
    for (const part of element.parts) {
      const box = part.area || part.laid_out;
      g.append(rect(box, "part"));
      if (part.expected) {
        const w = part.laid_out.right - part.laid_out.left, h = part.laid_out.bottom - part.laid_out.top;
        g.append(rect({ left: part.expected.x - tol, top: part.expected.y - tol, right: part.expected.x + w + tol, bottom: part.expected.y + h + tol }, "band"));
      }
    }
    const first = element.parts[0];
    if (first) {
      const box = first.area || first.laid_out;
      g.append(el("svg:text", { class: "label", x: box.left, y: Math.max(3, box.top - 0.6) }, `${element.id} · ${element.kind}`));
    }
    g.addEventListener("mouseenter", () => showDetails(element.id));
    g.addEventListener("focus", () => showDetails(element.id));
    g.addEventListener("click", () => select(element.id));
    g.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(element.id); } });
    svg.append(g);
  }
  svg.classList.toggle("hidden", !$("overlay").checked);
}

function select(id) {
  selected = id;
  for (const g of document.querySelectorAll("#boxes .element")) g.classList.toggle("selected", g.dataset.id === id);
  showDetails(id);
}

function mm(v) { return v === undefined || v === null ? "–" : `${Number(v).toFixed(2)} mm`; }

function showDetails(id) {
  const element = state.elements.find((e) => e.id === id);
  const box = $("details");
  box.replaceChildren();
  if (!element) { box.textContent = "Hover or select an element."; return; }
  const dl = el("dl");
  const row = (k, v) => { dl.append(el("dt", {}, k), el("dd", {}, v)); };
  row("id", element.id);
  row("kind", element.kind);
  row("spec line", element.line ? `${state.spec}:${element.line}` : "–");
  for (const p of element.parts) {
    row(`${p.part} pass`, p.pass);
    if (p.expected) row(`${p.part} spec at`, `${mm(p.expected.x)}, ${mm(p.expected.y)} (±${state.tolerance_mm} mm)`);
    row(`${p.part} laid out`, `${mm(p.laid_out.left)}, ${mm(p.laid_out.top)} – ${mm(p.laid_out.right)}, ${mm(p.laid_out.bottom)}`);
    if (p.size) row(`${p.part} size`, `${Number(p.size).toFixed(2)} pt, ${p.lines} line(s)`);
    if (p.faces && p.faces.length) row(`${p.part} faces`, p.faces.join(", ") + (p.substituted ? " (stand-in)" : ""));
  }
  for (const w of state.lint.filter((w) => w.element === id)) row(`lint ${w.code}`, w.message);
  box.append(dl);
}

function lists() {
  const list = $("elements");
  list.replaceChildren();
  for (const element of state.elements) {
    const button = el("button", { type: "button", "data-id": element.id });
    button.append(document.createTextNode(element.id + " "), el("span", { class: "kind" }, element.kind + (element.line ? ` · line ${element.line}` : "")));
    button.addEventListener("click", () => select(element.id));
    button.addEventListener("focus", () => showDetails(element.id));
    const item = el("li");
    item.append(button);
    list.append(item);
  }
  const lint = $("lint");
  lint.replaceChildren();
  if (!state.lint.length) lint.append(el("li", {}, "No warnings."));
  for (const w of state.lint) {
    const item = el("li", { class: "lint-item" });
    const button = el("button", { type: "button" }, `${w.line ? "line " + w.line + ": " : ""}${w.message}`);
    if (w.element) button.addEventListener("click", () => select(w.element));
    item.append(button);
    lint.append(item);
  }
  const plate = $("plate");
  const current = plate.value;
  plate.replaceChildren(el("option", { value: "" }, "composite"));
  for (const name of state.plates) plate.append(el("option", { value: name }, name));
  plate.value = state.plates.includes(current) ? current : "";
}

// The record form, from the spec's fields: kind, whether required, the longest value.
function form() {
  const f = $("record");
  if (f.contains(document.activeElement)) return; // not while someone types
  f.replaceChildren();
  for (const field of state.fields) {
    const id = `field-${field.key}`;
    const value = state.record[field.key];
    const list = field.kind === "List" || field.kind === "ImageList";
    const label = el("label", { for: id }, `${field.name} (${field.key}, ${field.kind}${field.required ? ", required" : ""}, ≤ ${field.max_chars})`);
    const input = list ? el("textarea", { id, name: field.key, rows: "3" }) : el("input", { id, name: field.key, type: "text" });
    input.value = list ? (Array.isArray(value) ? value.join("\n") : "") : (value ?? "");
    input.dataset.kind = field.kind;
    input.setAttribute("aria-describedby", `${id}-error`);
    input.addEventListener("input", submitSoon);
    f.append(label, input, el("div", { id: `${id}-error`, class: "field-error", role: "alert" }));
  }
  showRecordProblem(state.record_problem);
}

let timer = null;
function submitSoon() { clearTimeout(timer); timer = setTimeout(submitRecord, 400); }

async function submitRecord() {
  const record = {};
  for (const input of $("record").querySelectorAll("input, textarea")) {
    const list = input.dataset.kind === "List" || input.dataset.kind === "ImageList";
    if (list) {
      const items = input.value.split("\n").map((s) => s.trim()).filter(Boolean);
      if (items.length) record[input.name] = items;
    } else if (input.value !== "") {
      record[input.name] = input.value;
    }
  }
  const answer = await fetch("/api/record", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(record) });
  showRecordProblem(answer.ok ? null : (await answer.json()).error);
  refresh();
}

function showRecordProblem(problem) {
  for (const node of $("record").querySelectorAll(".field-error")) node.textContent = "";
  for (const node of $("record").querySelectorAll(".refused")) node.classList.remove("refused");
  $("record-problem").textContent = "";
  if (!problem) return;
  const key = (problem.field || "").replace(/\[\d+\]$/, "");
  const input = key && document.getElementById(`field-${key}`);
  if (input) {
    input.classList.add("refused");
    document.getElementById(`field-${key}-error`).textContent = `${problem.code}: ${problem.message}`;
  } else {
    $("record-problem").textContent = `${problem.code}: ${problem.message}`;
  }
}

function showSpecProblem() {
  const box = $("spec-problem");
  const p = state.spec_problem;
  box.hidden = !p;
  box.textContent = p ? `${p.file || state.spec}${p.line ? ":" + p.line : ""}: ${p.code}: ${p.message}\n(the picture is the last spec that loaded)` : "";
}

async function checkScan(file) {
  $("check-result").textContent = `checking ${file.name}…`;
  const answer = await fetch("/api/check", { method: "POST", headers: { "Content-Type": file.type || "application/octet-stream" }, body: file });
  const body = await answer.json();
  if (!answer.ok) { $("check-result").replaceChildren(el("span", { class: "fail" }, `${body.error.code}: ${body.error.message}`)); return; }
  checkVersion += 1;
  const failed = body.ink.filter((e) => !e.pass_check);
  const result = $("check-result");
  result.replaceChildren(el("p", { class: body.pass ? "ok" : "fail" }, body.pass ? "every element within tolerance" : `${failed.length} element part(s) out of tolerance`));
  const list = el("ul");
  for (const e of failed) list.append(el("li", { class: "fail" }, `${e.element} ${e.part}: ${e.note}`));
  result.append(list);
  $("show-check").checked = true;
  await refresh(true);
}

async function refresh(force) {
  let answer;
  try { answer = await fetch("/api/state"); } catch { $("status").textContent = "studio stopped"; return; }
  state = await answer.json();
  // Set only when changed: the page polls twice a second.
  const title = state.title ? `certpress studio: ${state.title}` : "certpress studio";
  if ($("title").textContent !== title) $("title").textContent = title;
  if ($("spec-file").textContent !== state.spec) $("spec-file").textContent = state.spec;
  showSpecProblem();
  if (state.version !== shownVersion || force) {
    shownVersion = state.version;
    if (state.width_mm) drawBoxes();
    lists();
    form();
    if (selected) select(selected);
    $("status").textContent = `version ${state.version}`;
  }
  layoutSheet();
}

function setUp() {
  for (const input of document.querySelectorAll('#controls input[type="radio"], #plate, #show-check')) input.addEventListener("change", layoutSheet);
  $("overlay").addEventListener("change", () => $("boxes").classList.toggle("hidden", !$("overlay").checked));
  $("zoom").addEventListener("input", () => { $("zoom-value").textContent = `${$("zoom").value} %`; layoutSheet(); });
  window.addEventListener("resize", layoutSheet);
  const wrap = $("sheet-wrap");
  wrap.addEventListener("dragover", (e) => { e.preventDefault(); wrap.classList.add("dragging"); });
  wrap.addEventListener("dragleave", () => wrap.classList.remove("dragging"));
  wrap.addEventListener("drop", (e) => {
    e.preventDefault();
    wrap.classList.remove("dragging");
    const file = e.dataTransfer.files[0];
    if (file) checkScan(file);
  });
  $("scan-file").addEventListener("change", () => { const file = $("scan-file").files[0]; if (file) checkScan(file); });
  // The page's own CJK face first (a machine without one would show boxes), then the state.
  document.fonts.load("bold 16px certpress-ui", "许可证").finally(() => {
    refresh();
    setInterval(refresh, 300);
  });
}

document.addEventListener("DOMContentLoaded", setUp);
