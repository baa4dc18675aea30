// Audit page: keyboard-first review of extracted values. Scraped text only ever goes into
// textContent, never innerHTML, so markup in an article stays inert text.
"use strict";

const TOKEN = document.querySelector('meta[name="audit-token"]').content;
const LEVEL_PX = 5;
const VERDICT_TEXT = {
  pending: "pending", accept: "accepted", reject: "rejected", correct: "corrected",
  not_a_trial: "not a trial",
};

const state = {
  queue: [], pos: 0, view: null, focus: 0, editing: false, progress: null, reviewer: "",
};

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

async function api(path, options = {}) {
  const headers = Object.assign({ "X-Audit-Token": TOKEN }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers, credentials: "same-origin" }));
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function say(message, isError) {
  const box = document.getElementById("status");
  box.textContent = message;
  box.className = isError ? "error" : "";
}

// --- loading ------------------------------------------------------------------------

async function loadQueue(targetId) {
  const data = await api("/api/queue");
  state.queue = data.queue;
  state.reviewer = data.reviewer;
  state.progress = data.progress;
  const wanted = targetId || decodeURIComponent(location.hash.replace(/^#article=/, ""));
  let pos = state.queue.findIndex((e) => e.article_id === wanted);
  if (pos < 0 && wanted) {
    // An article outside the queue (already reviewed) can still be opened by its id.
    state.queue.unshift({ article_id: wanted, title: wanted });
    pos = 0;
  }
  state.pos = Math.max(pos, 0);
  if (!state.queue.length) {
    renderEmpty();
    return;
  }
  await loadArticle();
}

async function loadArticle() {
  const entry = state.queue[state.pos];
  state.view = await api("/api/article/" + encodeURIComponent(entry.article_id));
  state.progress = state.view.progress;
  history.replaceState(null, "", "#article=" + encodeURIComponent(entry.article_id));
  const firstPending = state.view.items.findIndex((i) => i.state === "pending");
  state.focus = Math.max(firstPending, 0);
  state.editing = false;
  render();
}

// --- rendering ----------------------------------------------------------------------

function renderEmpty() {
  document.getElementById("title").textContent = "Nothing to review";
  document.getElementById("text").textContent = "Every extracted value has a verdict.";
  renderProgress();
}

function renderProgress() {
  const p = state.progress || { reviewed: 0, total: 0 };
  let text = `reviewed ${p.reviewed} / ${p.total}`;
  if (state.view) text += ` · this article ${articleDone()} / ${state.view.items.length}`;
  if (state.reviewer) text += ` · reviewer ${state.reviewer}`;
  document.getElementById("progress").textContent = text;
  document.getElementById("article-pos").textContent =
    state.queue.length ? `article ${state.pos + 1} of ${state.queue.length}` : "";
}

function articleDone() {
  return state.view.items.filter((i) => i.state !== "pending").length;
}

function render() {
  const view = state.view;
  const article = view.article;
  document.getElementById("title").textContent = article.title || "(untitled article)";
  const meta = document.getElementById("meta");
  meta.replaceChildren();
  if (article.url && /^https?:\/\//i.test(article.url)) {
    const link = el("a", "", article.url);
    link.href = article.url;
    link.rel = "noopener noreferrer";
    link.target = "_blank";
    meta.append(link);
  } else if (article.url) {
    meta.append(el("span", "", article.url));  // file:// and anything else: text only
  }
  const bits = [article.date, article.publisher, "extractor " + (article.extractor_version || "?")];
  meta.append(el("span", "muted", " · " + bits.filter(Boolean).join(" · ")));
  renderText();
  renderPanel();
  renderProgress();
  applyFocus();
}

function renderText() {
  const box = document.getElementById("text");
  box.replaceChildren();
  const byKey = new Map(state.view.items.map((i) => [i.key, i]));
  for (const seg of state.view.segments) {
    if (!seg.items.length) {
      box.append(document.createTextNode(seg.text));
      continue;
    }
    for (const key of seg.starts) {
      const item = byKey.get(key);
      const tag = el("span", `tag lbl-${item.label} st-${item.state}`, item.label);
      tag.dataset.key = key;
      tag.addEventListener("click", () => focusKey(key));
      box.append(tag);
    }
    const span = el("span", "seg", seg.text);
    span.dataset.keys = seg.items.join(" ");
    // One underline per overlapping value, stacked by level (set through CSSOM: the page's
    // policy forbids inline style attributes, not script-set styles).
    const items = seg.items.map((k) => byKey.get(k));
    span.style.backgroundImage = items.map((i) => `linear-gradient(var(--c-${i.label}), var(--c-${i.label}))`).join(",");
    span.style.backgroundSize = items.map(() => "100% 3px").join(",");
    span.style.backgroundPosition = items.map((i) => `0 calc(100% - ${i.level * LEVEL_PX}px)`).join(",");
    span.style.paddingBottom = `${(Math.max(...items.map((i) => i.level)) + 1) * LEVEL_PX}px`;
    span.addEventListener("click", () => focusKey(items[items.length - 1].key));
    box.append(span);
  }
}

function renderPanel() {
  const box = document.getElementById("trials");
  box.replaceChildren();
  state.view.items.forEach((item, index) => {
    const trial = state.view.trials.find((t) => t.id === item.trial_id);
    if (item.field === "trial") {
      const head = el("div", "trial-head");
      const name = [trial.role, trial.status, trial.name, trial.phase && "phase " + trial.phase,
        trial.registry].filter(Boolean).join(" · ");
      head.append(el("h3", "", name || "trial"));
      const extra = [trial.condition, trial.population].filter(Boolean).join(" — ");
      if (extra) head.append(el("div", "muted", extra));
      for (const flag of trial.flags) head.append(el("div", "flag", `⚑ ${flag.kind}: ${flag.message}`));
      box.append(head);
    }
    const row = el("div", `item st-${item.state}`);
    row.dataset.key = item.key;
    row.dataset.index = String(index);
    row.append(el("span", `chip lbl-${item.label}`, item.label));
    const value = el("span", "value", item.value);
    if (item.state === "correct" && item.corrected_value) {
      value.classList.add("struck");
      row.append(value, el("span", "corrected", "→ " + item.corrected_value));
    } else {
      row.append(value);
    }
    if (item.rule_id) row.append(el("span", "rule muted", item.rule_id));
    row.append(el("span", "badge", VERDICT_TEXT[item.state] || item.state));
    const buttons = el("span", "buttons");
    for (const [verdict, text, title] of [["accept", "✓", "accept (a)"], ["reject", "✗", "reject (r)"],
      ["correct", "✎", "correct (c)"], ["not_a_trial", "∅", "not a trial (t)"]]) {
      const button = el("button", `b-${verdict}`, text);
      button.type = "button";
      button.title = title;
      button.addEventListener("click", (event) => {
        event.stopPropagation();
        state.focus = index;
        act(verdict);
      });
      buttons.append(button);
    }
    row.append(buttons);
    row.addEventListener("click", () => { state.focus = index; applyFocus(); });
    box.append(row);
  });
}

function focusKey(key) {
  const index = state.view.items.findIndex((i) => i.key === key);
  if (index >= 0) {
    state.focus = index;
    applyFocus();
  }
}

function applyFocus() {
  if (!state.view || !state.view.items.length) return;
  const item = state.view.items[state.focus];
  document.querySelectorAll(".focused").forEach((n) => n.classList.remove("focused"));
  const row = document.querySelector(`.item[data-index="${state.focus}"]`);
  if (row) {
    row.classList.add("focused");
    row.scrollIntoView({ block: "nearest" });
  }
  let first = null;
  document.querySelectorAll("#text .seg").forEach((seg) => {
    if (seg.dataset.keys.split(" ").includes(item.key)) {
      seg.classList.add("focused");
      first = first || seg;
    }
  });
  document.querySelectorAll(`#text .tag[data-key="${item.key}"]`).forEach((t) => t.classList.add("focused"));
  if (first) first.scrollIntoView({ block: "center" });
}

// --- verdicts -----------------------------------------------------------------------

function move(step) {
  const n = state.view.items.length;
  state.focus = Math.min(Math.max(state.focus + step, 0), n - 1);
  applyFocus();
}

async function act(verdict) {
  if (!state.view || !state.view.items.length) return;
  let item = state.view.items[state.focus];
  if (verdict === "correct") {
    startCorrection(item);
    return;
  }
  if (verdict === "not_a_trial") {
    item = state.view.items.find((i) => i.trial_id === item.trial_id && i.field === "trial");
  }
  await send(item, verdict, null);
}

async function send(item, verdict, corrected) {
  try {
    const data = await api("/api/verdict", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ article_id: state.view.article.id, key: item.key, verdict, corrected_value: corrected }),
    });
    state.progress = data.progress;
    const index = state.view.items.indexOf(item);
    // Re-read the article: a "not a trial" settles every value of that trial.
    const focusKeyAfter = state.view.items[nextPendingAfterVerdict(index, item, verdict)].key;
    state.view = await api("/api/article/" + encodeURIComponent(state.view.article.id));
    state.progress = state.view.progress;
    const after = state.view.items.findIndex((i) => i.key === focusKeyAfter);
    state.focus = after >= 0 ? after : 0;
    state.editing = false;
    render();
    say(`${VERDICT_TEXT[verdict]}: ${item.label} ${item.value}${corrected ? " → " + corrected : ""}`);
  } catch (error) {
    say("not saved: " + error.message, true);
  }
}

function nextPendingAfterVerdict(index, item, verdict) {
  const items = state.view.items;
  const settled = (i) => i === index || (verdict === "not_a_trial" && items[i].trial_id === item.trial_id);
  for (let i = index + 1; i < items.length; i++) if (items[i].state === "pending" && !settled(i)) return i;
  for (let i = 0; i < index; i++) if (items[i].state === "pending" && !settled(i)) return i;
  return Math.min(index + 1, items.length - 1);
}

function startCorrection(item) {
  const row = document.querySelector(`.item[data-index="${state.focus}"]`);
  if (!row || state.editing) return;
  state.editing = true;
  const form = el("form", "correction");
  const input = el("input");
  input.type = "text";
  input.name = "corrected";
  input.value = item.corrected_value || item.value;
  input.setAttribute("aria-label", "corrected value");
  form.append(input, el("span", "muted", " Enter to save, Esc to cancel"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) send(item, "correct", input.value.trim());
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      state.editing = false;
      form.remove();
    }
    event.stopPropagation();
  });
  row.append(form);
  input.focus();
  input.select();
}

async function gotoArticle(step) {
  if (!state.queue.length) return;
  const pos = state.pos + step;
  if (pos < 0 || pos >= state.queue.length) {
    say(step > 0 ? "last article in the queue" : "first article in the queue");
    return;
  }
  state.pos = pos;
  await loadArticle();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target instanceof HTMLInputElement || state.editing) return;
  const keys = {
    j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    a: () => act("accept"), r: () => act("reject"), c: () => act("correct"), t: () => act("not_a_trial"),
    n: () => gotoArticle(1), p: () => gotoArticle(-1),
    "?": () => { document.getElementById("help").hidden = !document.getElementById("help").hidden; },
  };
  const handler = keys[event.key];
  if (!handler || !state.view) {
    if (event.key === "?") keys["?"]();
    return;
  }
  event.preventDefault();
  handler();
});

document.getElementById("next-article").addEventListener("click", () => gotoArticle(1));
document.getElementById("prev-article").addEventListener("click", () => gotoArticle(-1));
document.getElementById("help-button").addEventListener("click", () => {
  document.getElementById("help").hidden = !document.getElementById("help").hidden;
});

loadQueue().catch((error) => say("cannot load: " + error.message, true));
