/**
 * The rating page: one self-contained HTML document (inline CSS and JS, no external resources, so
 * it works offline and leaks nothing). Raters score each anonymous answer 0–10 with an optional
 * comment, and each conversation reply 1–5 on three dimensions; every change is sent to the server
 * at once. Reopening the page with the same rater name restores all ratings and jumps to the first
 * unfinished question. All text is inserted with textContent, never as HTML.
 */
import type { Kit } from "./kitFormat.js"

export interface RatingPageBoot {
  readonly token: string
  readonly rater: string | null
  readonly kit: Kit
  readonly live: boolean
}

const STYLE = String.raw`
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
header { background: #1f3a5f; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; flex: 1; }
nav button, .tabs button { margin-right: 4px; }
main { max-width: 980px; margin: 16px auto; padding: 0 16px; }
.tabs { margin-bottom: 12px; }
.tabs button.active { font-weight: bold; text-decoration: underline; }
.progress { margin: 8px 0; font-size: 14px; }
.bar { height: 8px; background: #dde3ea; border-radius: 4px; overflow: hidden; }
.bar > div { height: 100%; background: #2f8f5b; }
.qnav { display: flex; flex-wrap: wrap; gap: 4px; margin: 10px 0; }
.qnav button { min-width: 34px; border: 1px solid #aab; background: #fff; border-radius: 4px; cursor: pointer; }
.qnav button.done { background: #cfeedd; }
.qnav button.current { outline: 2px solid #1f3a5f; }
.question { background: #fff; border-radius: 6px; padding: 12px 16px; margin-bottom: 12px; white-space: pre-wrap; font-size: 16px; }
.answer, .turn { background: #fff; border-radius: 6px; padding: 12px 16px; margin-bottom: 12px; border-left: 4px solid #1f3a5f; }
.answer .text, .turn .text { white-space: pre-wrap; margin: 6px 0 10px; line-height: 1.5; }
.scale { display: flex; flex-wrap: wrap; gap: 2px; align-items: center; }
.scale label { border: 1px solid #aab; border-radius: 4px; padding: 2px 7px; cursor: pointer; user-select: none; }
.scale input { display: none; }
.scale input:checked + span { font-weight: bold; }
.scale label:has(input:checked) { background: #1f3a5f; color: #fff; }
.dim { margin: 4px 0; }
.dim .name { display: inline-block; min-width: 190px; }
textarea { display: block; width: 100%; min-height: 38px; box-sizing: border-box; font: inherit; }
.saved { font-size: 12px; color: #2f8f5b; margin-left: 8px; }
.error { color: #b3261e; font-weight: bold; }
.who { font-size: 12px; color: #556; }
.user { background: #eef3fb; }
.pager { display: flex; justify-content: space-between; margin: 12px 0 40px; }
`

const SCRIPT = String.raw`
(function () {
  "use strict";
  var kit = BOOT.kit;
  var state = { rater: null, answers: {}, replies: {}, live: [], view: "answers", q: 0, d: 0 };
  var root = document.getElementById("app");
  var statusEl = document.getElementById("status");

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function showError(msg) { statusEl.textContent = msg; statusEl.className = "error"; }
  function showOk(msg) { statusEl.textContent = msg; statusEl.className = ""; }

  function api(method, path, body) {
    var opts = { method: method, keepalive: true, headers: { "content-type": "application/json", "x-zaoji-token": BOOT.token } };
    if (body !== undefined) opts.body = JSON.stringify(body);
    return fetch(path, opts).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || ("HTTP " + r.status)); return j; });
    });
  }

  function aKey(q, l) { return q + "\u0000" + l; }
  function rKey(d, t) { return d + "\u0000" + t; }

  // ---- saving: one request per change, queued per item so that the last state always wins
  var pending = {};
  function saveItem(key, path, payload, savedEl) {
    var chain = (pending[key] || Promise.resolve()).then(function () {
      return api("POST", path, payload).then(function () {
        if (savedEl) savedEl.textContent = "saved";
        showOk("All ratings saved.");
      }, function (e) { showError("Not saved: " + e.message); });
    });
    pending[key] = chain;
    if (savedEl) savedEl.textContent = "saving…";
    return chain;
  }
  function saveAnswer(qid, label, savedEl) {
    var r = state.answers[aKey(qid, label)];
    return saveItem("a" + aKey(qid, label), "/api/answer",
      { rater: state.rater, questionId: qid, label: label, score: r.score, comment: r.comment }, savedEl);
  }
  function saveReply(did, turn, savedEl) {
    var r = state.replies[rKey(did, turn)];
    return saveItem("r" + rKey(did, turn), "/api/reply",
      { rater: state.rater, dialogueId: did, turn: turn, accuracy: r.accuracy, doctorValue: r.doctorValue,
        patientSuitability: r.patientSuitability, comment: r.comment }, savedEl);
  }

  // ---- progress
  function questionDone(q) {
    return q.answers.every(function (a) { var r = state.answers[aKey(q.id, a.label)]; return r && r.score !== null; });
  }
  function replyDone(did, t) {
    var r = state.replies[rKey(did, t)];
    return !!r && r.accuracy !== null && r.doctorValue !== null && r.patientSuitability !== null;
  }
  function allDialogues() {
    return kit.dialogues.map(function (d) { return { id: d.id, title: "Conversation " + d.id, turns: d.turns }; })
      .concat(state.live.map(function (d) { return { id: d.id, title: "Live " + d.id, turns: d.turns, live: true }; }));
  }
  function progressBlock() {
    var qs = kit.questions.filter(questionDone).length;
    var nA = 0, doneA = 0;
    kit.questions.forEach(function (q) { q.answers.forEach(function (a) { nA++; var r = state.answers[aKey(q.id, a.label)]; if (r && r.score !== null) doneA++; }); });
    var nR = 0, doneR = 0;
    allDialogues().forEach(function (d) { d.turns.forEach(function (_, t) { nR++; if (replyDone(d.id, t)) doneR++; }); });
    var total = nA + nR, done = doneA + doneR;
    var parts = [];
    if (kit.questions.length) parts.push(qs + " / " + kit.questions.length + " questions (" + doneA + " / " + nA + " answers)");
    if (nR) parts.push(doneR + " / " + nR + " replies");
    return el("div", { class: "progress" }, [
      el("div", { "data-testid": "progress", text: "Rated " + parts.join(", ") }),
      el("div", { class: "bar" }, [el("div", { style: "width:" + (total ? Math.round(100 * done / total) : 0) + "%" })])
    ]);
  }

  function scale(name, min, max, value, onPick, testid) {
    var box = el("span", { class: "scale", "data-testid": testid });
    for (var v = min; v <= max; v++) (function (v) {
      var input = el("input", { type: "radio", name: name, value: String(v), onchange: function () { onPick(v); } });
      if (value === v) input.checked = true;
      box.appendChild(el("label", null, [input, el("span", { text: String(v) })]));
    })(v);
    return box;
  }
  // typed comments are sent after a pause; leaving the page sends what is still waiting
  var flushers = [];
  window.addEventListener("pagehide", function () { flushers.forEach(function (f) { f(); }); });
  function commentBox(value, onText, testid) {
    var timer = null;
    var ta = el("textarea", { placeholder: "Comment (optional)", "data-testid": testid });
    ta.value = value;
    function flush() { if (timer) { clearTimeout(timer); timer = null; onText(ta.value); } }
    ta.addEventListener("input", function () { if (timer) clearTimeout(timer); timer = setTimeout(function () { timer = null; onText(ta.value); }, 400); });
    ta.addEventListener("blur", flush);
    flushers.push(flush);
    return ta;
  }

  // ---- views
  function renderAnswers() {
    var parts = [];
    if (!kit.questions.length) return [el("p", { text: "This kit has no questions." })];
    var nav = el("div", { class: "qnav" });
    var navButtons = kit.questions.map(function (q, i) {
      return nav.appendChild(el("button", { text: String(i + 1), title: q.id, "data-testid": "goto-" + q.id,
        class: (questionDone(q) ? "done " : "") + (i === state.q ? "current" : ""), onclick: function () { state.q = i; render(); } }));
    });
    parts.push(nav);
    var q = kit.questions[state.q];
    parts.push(el("div", { class: "who", text: "Question " + (state.q + 1) + " of " + kit.questions.length + " (" + q.id + ")" }));
    parts.push(el("div", { class: "question", "data-testid": "question", text: q.question }));
    q.answers.forEach(function (a) {
      var key = aKey(q.id, a.label);
      var r = state.answers[key] || { score: null, comment: "" };
      state.answers[key] = r;
      var saved = el("span", { class: "saved" });
      parts.push(el("div", { class: "answer", "data-testid": "answer-" + a.label }, [
        el("strong", { text: "Answer " + a.label }),
        el("div", { class: "text", text: a.text }),
        el("div", null, [el("span", { text: "Score 0–10: " }),
          scale("score-" + q.id + "-" + a.label, 0, 10, r.score, function (v) {
            r.score = v; saveAnswer(q.id, a.label, saved); refreshProgress();
            navButtons[state.q].className = (questionDone(q) ? "done " : "") + "current";
          }, "score-" + a.label),
          saved]),
        commentBox(r.comment, function (text) { r.comment = text; saveAnswer(q.id, a.label, saved); }, "comment-" + a.label)
      ]));
    });
    parts.push(el("div", { class: "pager" }, [
      el("button", { text: "← Previous", "data-testid": "prev", onclick: function () { if (state.q > 0) { state.q--; render(); } } }),
      el("button", { text: "Next →", "data-testid": "next", onclick: function () { if (state.q < kit.questions.length - 1) { state.q++; render(); } } })
    ]));
    return parts;
  }

  var DIMS = [["accuracy", "Accuracy"], ["doctorValue", "Value to doctors"], ["patientSuitability", "Suitability for patients"]];
  function turnBlock(d, t, turn) {
    var key = rKey(d.id, t);
    var r = state.replies[key] || { accuracy: null, doctorValue: null, patientSuitability: null, comment: "" };
    state.replies[key] = r;
    var saved = el("span", { class: "saved" });
    var dims = DIMS.map(function (dim) {
      return el("div", { class: "dim" }, [el("span", { class: "name", text: dim[1] + " (1–5):" }),
        scale("r-" + d.id + "-" + t + "-" + dim[0], 1, 5, r[dim[0]], function (v) { r[dim[0]] = v; saveReply(d.id, t, saved); refreshProgress(); }, "reply-" + t + "-" + dim[0])]);
    });
    return el("div", { "data-testid": "turn-" + t }, [
      el("div", { class: "turn user" }, [el("div", { class: "who", text: "User" }), el("div", { class: "text", text: turn.user })]),
      el("div", { class: "turn" }, [el("div", { class: "who", text: "Model reply " + (t + 1) }), el("div", { class: "text", text: turn.reply })]
        .concat(dims).concat([saved, commentBox(r.comment, function (text) { r.comment = text; saveReply(d.id, t, saved); }, "reply-" + t + "-comment")]))
    ]);
  }
  function renderDialogues() {
    var ds = allDialogues().filter(function (d) { return !d.live; });
    if (!ds.length) return [el("p", { text: "This kit has no scripted conversations." })];
    if (state.d >= ds.length) state.d = 0;
    var nav = el("div", { class: "qnav" });
    ds.forEach(function (d, i) {
      var done = d.turns.every(function (_, t) { return replyDone(d.id, t); });
      nav.appendChild(el("button", { text: d.id, class: (done ? "done " : "") + (i === state.d ? "current" : ""), onclick: function () { state.d = i; render(); } }));
    });
    var d = ds[state.d];
    return [nav, el("h3", { text: "Conversation " + d.id })].concat(d.turns.map(function (turn, t) { return turnBlock(d, t, turn); }));
  }
  var currentLive = null;
  function renderLive() {
    var parts = [el("button", { text: "Start a new conversation", "data-testid": "live-start", onclick: function () {
      api("POST", "/api/live/start", { rater: state.rater }).then(function (j) {
        currentLive = { id: j.id, turns: [] }; state.live.push(currentLive); render();
      }, function (e) { showError(e.message); });
    } })];
    if (!currentLive && state.live.length) currentLive = state.live[state.live.length - 1];
    if (!currentLive) return parts;
    parts.push(el("h3", { text: "Live conversation " + currentLive.id }));
    currentLive.turns.forEach(function (turn, t) { parts.push(turnBlock(currentLive, t, turn)); });
    var input = el("textarea", { placeholder: "Your message", "data-testid": "live-input" });
    var sendBtn = el("button", { text: "Send", "data-testid": "live-send", onclick: function () {
      var msg = input.value; if (!msg.trim()) return;
      sendBtn.disabled = true; showOk("Waiting for the model…");
      var conv = currentLive;
      api("POST", "/api/live/say", { rater: state.rater, dialogueId: conv.id, message: msg }).then(function (j) {
        conv.turns.push({ user: j.user, reply: j.reply }); showOk("Reply received."); render();
      }, function (e) { sendBtn.disabled = false; showError(e.message); });
    } });
    parts.push(input, sendBtn);
    return parts;
  }

  var progressHolder = el("div");
  function refreshProgress() { progressHolder.replaceChildren(progressBlock()); }
  function render() {
    flushers.forEach(function (f) { f(); });
    flushers = [];
    var tabs = el("div", { class: "tabs" });
    var views = [["answers", "Answers (" + kit.questions.length + ")"], ["dialogues", "Conversations (" + kit.dialogues.length + ")"]];
    if (BOOT.live) views.push(["live", "Live chat"]);
    views.forEach(function (v) {
      tabs.appendChild(el("button", { text: v[1], "data-testid": "tab-" + v[0], class: state.view === v[0] ? "active" : "", onclick: function () { state.view = v[0]; render(); } }));
    });
    refreshProgress();
    var body = state.view === "answers" ? renderAnswers() : state.view === "dialogues" ? renderDialogues() : renderLive();
    root.replaceChildren.apply(root, [tabs, progressHolder].concat(body));
  }

  function start(rater) {
    state.rater = rater;
    document.getElementById("rater").textContent = "Rater: " + rater;
    api("GET", "/api/state?rater=" + encodeURIComponent(rater)).then(function (s) {
      s.answers.forEach(function (r) { state.answers[aKey(r.questionId, r.label)] = { score: r.score, comment: r.comment }; });
      s.replies.forEach(function (r) { state.replies[rKey(r.dialogueId, r.turn)] = { accuracy: r.accuracy, doctorValue: r.doctorValue, patientSuitability: r.patientSuitability, comment: r.comment }; });
      state.live = s.live;
      // resume where this rater stopped
      var first = kit.questions.findIndex(function (q) { return !questionDone(q); });
      state.q = first < 0 ? 0 : first;
      if (!kit.questions.length) state.view = "dialogues";
      render();
    }, function (e) { showError("Cannot load ratings: " + e.message); });
  }

  function askName() {
    var input = el("input", { placeholder: "Your name", "data-testid": "rater-name" });
    input.value = localStorage.getItem("zaoji-rater") || "";
    var go = el("button", { text: "Start rating", "data-testid": "rater-start", onclick: function () {
      var n = input.value.trim(); if (!n) return;
      localStorage.setItem("zaoji-rater", n);
      var u = new URL(location.href); u.searchParams.set("rater", n); history.replaceState(null, "", u.toString());
      start(n);
    } });
    root.replaceChildren(el("p", { text: "Enter your name to start or resume rating." }), input, go);
  }

  document.title = kit.title + " – rating";
  document.getElementById("title").textContent = kit.title;
  var fromUrl = new URL(location.href).searchParams.get("rater");
  if (BOOT.rater) start(BOOT.rater);
  else if (fromUrl && fromUrl.trim()) start(fromUrl.trim());
  else askName();
})();
`

/** `</script>` inside JSON would end the script element early */
const jsonForScript = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029")

export const ratingPageHtml = (boot: RatingPageBoot): string =>
  [
    "<!doctype html>",
    '<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>Rating</title><style>",
    STYLE,
    "</style></head><body>",
    '<header><h1 id="title"></h1><span id="rater"></span><span id="status" data-testid="status"></span></header>',
    '<main id="app"></main>',
    `<script>var BOOT = ${jsonForScript(boot)};</script>`,
    "<script>",
    SCRIPT,
    "</script></body></html>"
  ].join("\n")
