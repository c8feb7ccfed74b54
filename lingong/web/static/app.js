// The clerk's page: plain JavaScript over the JSON API of lingong/web/app.py (docs/web-api.md).
// Text from the server is always set as text (never as HTML): a file or station name is data.
"use strict";

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function toast(text, error) {
  const t = $("#toast");
  t.textContent = text;
  t.className = "toast" + (error ? " error" : "");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.add("hidden"), error ? 12000 : 4000);
}

async function api(path, options) {
  const res = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
  let doc = null;
  try { doc = await res.json(); } catch (e) { doc = { error: await res.text().catch(() => "") || `服务器返回 ${res.status}` }; }
  if (!res.ok) throw new Error(doc.error || `服务器返回 ${res.status}`);
  return doc;
}

function postJSON(path, body) {
  return api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

// ---- tabs --------------------------------------------------------------------------------------
const loaders = {};
document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
function showTab(name) {
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".tab").forEach((s) => s.classList.toggle("active", s.id === "tab-" + name));
  if (loaders[name]) loaders[name]();
}

// ---- 报送情况 -------------------------------------------------------------------------------------
let boardYear = "";
async function loadBoard() {
  $("#board-note").textContent = "正在读取……";
  try {
    const b = await api("/api/board" + (boardYear ? "?year=" + boardYear : ""));
    boardYear = String(b.year);
    const sel = $("#board-year");
    sel.replaceChildren(...b.years.map((y) => el("option", { value: y, text: y + " 年" })));
    sel.value = boardYear;
    renderBoard(b);
    $("#board-note").textContent = `截至 ${b.on}；驿站名册：${b.registry_file || "（无）"}` + (b.notes.length ? "；" + b.notes.join("；") : "");
  } catch (e) {
    $("#board-note").textContent = "";
    $("#board").replaceChildren(el("p", { class: "bad", text: e.message }));
  }
}
$("#board-year").addEventListener("change", (e) => { boardYear = e.target.value; loadBoard(); });
$("#board-refresh").addEventListener("click", loadBoard);
loaders.board = loadBoard;

function pct(rate) { return rate === null || rate === undefined ? "—" : Math.round(rate * 1000) / 10 + "%"; }

function renderBoard(b) {
  $("#board-legend").replaceChildren(...b.statuses.map((s) => el("span", {}, el("i", { class: "s-" + s }), s)));
  const head = el("tr", {}, el("th", { class: "st", text: "驿站" }), ...b.month_texts.map((m) => el("th", { text: m.replace(/^\d{4}年/, "") })));
  const body = el("tbody");
  for (const c of b.counties) {
    body.append(el("tr", { class: "county" }, el("th", { colspan: b.months.length + 1, text: c.county })));
    for (const st of c.stations) {
      const tr = el("tr", {}, el("th", { class: "st", text: `${st.code} ${st.name}` }));
      st.cells.forEach((status, i) => {
        const file = st.files[i];
        const td = el("td", { class: "s s-" + status + (file ? " has" : ""), text: status, title: file || status });
        if (file) td.addEventListener("click", () => openReport(file));
        tr.append(td);
      });
      body.append(tr);
    }
    const rate = el("tr", { class: "total" }, el("th", { class: "st", text: `${c.county} 报送率` }));
    c.months.forEach((m) => {
      const n = m.counts || {};
      rate.append(el("td", { text: pct(m.rate), title: `已采用 ${n["已采用"] || 0}，退回 ${n["退回"] || 0}，缺报 ${n["缺报"] || 0}（应报 ${m.due}）` }));
    });
    body.append(rate);
  }
  $("#board").replaceChildren(el("table", { class: "grid" }, el("thead", {}, head), body));
  const other = b.other_files.filter((v) => v.kind !== "registry" && v.kind !== "decisions");
  if (other.length) {
    const rows = other.map((v) => el("tr", {}, el("td", {}, fileLink(v.file)), el("td", { text: v.status || kindText(v.kind) }), el("td", { text: v.reason || (v.replaced_by ? "已被 " + v.replaced_by + " 替代" : "") })));
    $("#board-other").replaceChildren(el("h3", { text: "未列入上表的文件" }),
      el("table", { class: "list" }, el("thead", {}, el("tr", {}, el("th", { text: "文件" }), el("th", { text: "情况" }), el("th", { text: "说明" }))), el("tbody", {}, ...rows)));
  } else {
    $("#board-other").replaceChildren();
  }
}

function kindText(kind) {
  return { report: "月报", registry: "驿站名册", decisions: "考核组意见", skipped: "已跳过", rejected: "无法读取", unstable: "读取时文件在变化" }[kind] || kind;
}

function fileLink(file) {
  return el("a", { href: "#", text: file, onclick: (e) => { e.preventDefault(); openReport(file); } });
}

async function openReport(file) {
  const body = $("#detail-body");
  body.replaceChildren(el("p", { text: "正在读取……" }));
  $("#detail").showModal();
  try {
    body.replaceChildren(...verdictView(await api("/api/report?file=" + encodeURIComponent(file))));
  } catch (e) {
    body.replaceChildren(el("p", { class: "bad", text: e.message }));
  }
}

function verdictView(v) {
  const out = [el("h3", { text: v.file })];
  const status = v.status || kindText(v.kind);
  out.push(el("p", {}, "驿站：", v.station || "—", "　月份：", v.month_text || "—", "　结果：",
    el("span", { class: v.status === "采用" ? "ok" : v.errors ? "bad" : "warn", text: status })));
  if (v.reason) out.push(el("p", { class: "warn", text: v.reason }));
  if (v.replaced_by) out.push(el("p", {}, "已被替代，采用的是：", fileLink(v.replaced_by)));
  if (v.replaces.length) out.push(el("p", {}, "这份报表替代了：", ...v.replaces.flatMap((f, i) => [i ? "、" : "", fileLink(f)])));
  if (v.return_copy) out.push(el("p", {}, el("a", { href: v.return_copy, text: "下载退回修改的文件（问题已在表中标出）" })));
  if (v.problems.length) {
    out.push(el("table", { class: "list" },
      el("thead", {}, el("tr", {}, ...["级别", "工作表", "单元格", "问题", "填写的内容", "应为", "处理建议"].map((h) => el("th", { text: h })))),
      el("tbody", {}, ...v.problems.map((p) => el("tr", {},
        el("td", { class: p.severity === "错误" ? "bad" : "warn", text: p.severity }), el("td", { text: p.sheet }), el("td", { text: p.cell }),
        el("td", { text: p.message }), el("td", { text: p.found }), el("td", { text: p.expected }), el("td", { text: p.hint }))))));
  } else if (v.kind === "report") {
    out.push(el("p", { class: "ok", text: "没有发现问题。" }));
  }
  return out;
}

// ---- 上传报表 -------------------------------------------------------------------------------------
const drop = $("#drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", async (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const items = [...(e.dataTransfer.items || [])].map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
  const files = items.length ? (await Promise.all(items.map(entryFiles))).flat() : [...e.dataTransfer.files];
  upload(files);
});
$("#pick-files").addEventListener("change", (e) => upload([...e.target.files]));
$("#pick-folder").addEventListener("change", (e) => upload([...e.target.files]));

function entryFiles(entry) {
  if (entry.isFile) return new Promise((ok) => entry.file((f) => ok([f]), () => ok([])));
  return new Promise((ok) => {
    const reader = entry.createReader();
    const all = [];
    const next = () => reader.readEntries(async (batch) => {
      if (!batch.length) { ok((await Promise.all(all.map(entryFiles))).flat()); return; }
      all.push(...batch);
      next();
    }, () => ok([]));
    next();
  });
}

async function upload(files) {
  if (!files.length) return;
  const form = new FormData();
  for (const f of files) form.append("files", f, f.name);
  $("#upload-status").textContent = `正在上传并校验 ${files.length} 个文件……`;
  const t0 = performance.now();
  try {
    const doc = await api("/api/files", { method: "POST", body: form });
    $("#upload-status").textContent = `已处理 ${doc.files.length} 个文件（${((performance.now() - t0) / 1000).toFixed(1)} 秒）。报送情况已更新。`;
    const tbody = $("#upload-result tbody");
    for (const r of [...doc.files].reverse()) {  // prepended: the newest batch on top, in the order dropped
      const v = r.verdict;
      const result = v ? (v.status || kindText(v.kind)) : r.outcome;
      tbody.prepend(el("tr", {},
        el("td", {}, r.file ? fileLink(r.file) : r.name),
        el("td", { class: r.outcome === "已保存" ? "nowrap" : "", text: r.outcome + (r.note && r.outcome !== "已保存" ? "：" + r.note : "") }),
        el("td", { class: "nowrap", text: v ? v.station : "" }),
        el("td", { class: "nowrap", text: v ? v.month_text : "" }),
        el("td", { class: v && v.status === "采用" ? "ok" : v && v.errors ? "bad" : "warn", text: result + (v && v.reason ? "（" + v.reason + "）" : "") }),
        el("td", {}, v && v.errors ? `${v.errors} 个错误` : (v && v.problems.length ? `${v.problems.length} 个提示` : ""),
          v && v.return_copy ? el("span", {}, "　", el("a", { href: v.return_copy, text: "退回修改的文件" })) : null,
          // The errors that returned it, in the 校验报告's words, so the clerk can tell the station at once.
          ...(v ? v.problems.filter((p) => p.severity === "错误").slice(0, 5).map((p) =>
            el("div", { class: "problem", text: p.message })) : []))));
    }
    $("#upload-result").classList.remove("hidden");
  } catch (e) {
    $("#upload-status").textContent = "";
    toast(e.message, true);
  }
  $("#pick-files").value = "";
  $("#pick-folder").value = "";
}

// ---- 考核 ---------------------------------------------------------------------------------------
async function loadPeriods() {
  try {
    const p = await api("/api/periods");
    const sel = $("#assess-period");
    const keep = sel.value;
    const options = p.periods.map((x) => el("option", { value: x.key, text: `${x.label}（${x.key}）` }));
    // Without a default (the command line would ask for --period) the clerk chooses: guessing the
    // last period would start an assessment nobody asked for.
    if (!p.default) options.unshift(el("option", { value: "", text: "（请选择考核期）" }));
    sel.replaceChildren(...options);
    sel.value = keep || p.default || "";
    $("#assess-why").textContent = (p.why || "") + "　考核日期不填时为今天（北京时间）；重新考核同一考核期时沿用上一版的考核日期。";
    renderOpenCases(p.open_cases || []);
  } catch (e) {
    $("#assess-why").textContent = e.message;
  }
}
loaders.assess = loadPeriods;

function renderOpenCases(cases) {
  if (!cases.length) { $("#open-cases").replaceChildren(); return; }
  const byPeriod = {};
  for (const c of cases) (byPeriod[c.period] = byPeriod[c.period] || []).push(c);
  const blocks = Object.entries(byPeriod).map(([period, list]) => el("div", { class: "run" },
    el("h3", { text: `${list[0].period_label}待复查的驿站 ${list.length} 个` }),
    el("table", { class: "list" },
      el("thead", {}, el("tr", {}, ...["县区", "驿站", "状态", "等次", "不合格项目", "整改期限"].map((h) => el("th", { text: h })))),
      el("tbody", {}, ...list.map((c) => el("tr", {}, el("td", { text: c.county }), el("td", { text: c.name ? `${c.station} ${c.name}` : c.station }), el("td", { text: c.state }), el("td", { text: c.grade }),
        el("td", { text: c.failed_items.join("、") }), el("td", { text: c.deadline }))))),
    el("p", {}, el("button", { text: `复查${list[0].period_label}`, onclick: () => {
      $("#assess-period").value = period;
      $("#assess-recheck").checked = true;
      $("#assess-date").value = "";  // the half-year's date would be before the deadline
      $("#assess-date").focus();
      toast("已选好复查，请填复查日期（整改期限之后），再点“开始考核”。");
    } }))));
  $("#open-cases").replaceChildren(...blocks);
}

$("#assess-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = { period: $("#assess-period").value, date: $("#assess-date").value || null, recheck: $("#assess-recheck").checked };
  if (!body.period) { toast("请先选择考核期。", true); $("#assess-period").focus(); return; }
  try {
    const job = await postJSON("/api/assessments", body);
    followJob(job.id, showAssessmentDone);
  } catch (err) {
    toast(err.message, true);
  }
});

function followJob(id, done) {
  $("#job").classList.remove("hidden");
  $("#assess-start").disabled = true;
  $("#job-digest").textContent = "";
  $("#job-docs").replaceChildren();
  const tick = async () => {
    let j;
    try { j = await api("/api/jobs/" + id); } catch (e) { toast(e.message, true); $("#assess-start").disabled = false; return; }
    $("#job-title").textContent = j.title;
    $("#job-progress").max = j.total || 1;
    $("#job-progress").value = j.total ? j.done : (j.state === "running" ? 0 : 1);
    $("#job-stage").textContent = `${j.stage} ${j.total ? j.done + "/" + j.total : ""}（${j.seconds} 秒）`;
    $("#job-notes").textContent = j.notes.join("\n");
    if (j.state === "running") { setTimeout(tick, 400); return; }
    $("#assess-start").disabled = false;
    if (j.state === "failed") {
      $("#job-stage").textContent = "未完成";
      $("#job-digest").textContent = j.error;
      $("#job-digest").className = "digest bad";
      return;
    }
    $("#job-stage").textContent = j.exit_status === 0 ? "完成" : "完成（有需要处理的问题，见下）";
    $("#job-digest").className = "digest";
    $("#job-digest").textContent = j.digest;
    done(j);
  };
  tick();
}

async function showAssessmentDone(job) {
  const id = job.result && job.result.assessment;
  const doc = await api("/api/assessments");
  const run = doc.assessments.find((r) => r.id === id);
  if (run) $("#job-docs").replaceChildren(runView(run));
  loadBoard();
  loadPeriods();  // the cases the assessment opened (or a recheck decided)
}

// ---- 收信 ---------------------------------------------------------------------------------------
async function loadFetches() {
  try {
    const doc = await api("/api/fetches");
    $("#fetch-mails tbody").replaceChildren(...(doc.mails.length ? doc.mails.map((m) => el("tr", {},
      el("td", { text: m.received_at }), el("td", { text: m.sender }), el("td", { text: m.subject }),
      el("td", {}, ...m.attachments.flatMap((a, i) => [i ? el("br") : null, a.file ? fileLink(a.file) : (a.name || ""), a.note ? "（" + a.note + "）" : ""])),
      el("td", {}, m.receipt_url ? el("a", { href: m.receipt_url, text: "回执草稿" }) : (m.receipt || "").replace(/^-/, ""))))
      : [el("tr", {}, el("td", { colspan: 5, text: "还没有收过信。" }))]));
  } catch (e) {
    toast(e.message, true);
  }
}
loaders.fetch = loadFetches;
$("#fetch-refresh").addEventListener("click", loadFetches);
$("#fetch-start").addEventListener("click", async () => {
  try {
    const job = await postJSON("/api/fetch", { since: $("#fetch-since").value || null });
    const d = $("#fetch-digest");
    d.classList.remove("hidden");
    const poll = async () => {
      const j = await api("/api/jobs/" + job.id);
      if (j.state === "running") { d.textContent = `正在收信…… ${j.total ? j.done + "/" + j.total : ""}`; setTimeout(poll, 500); return; }
      d.textContent = j.state === "failed" ? j.error : j.digest;
      loadFetches();
    };
    poll();
  } catch (e) {
    toast(e.message, true);
  }
});

// ---- 考核记录 -------------------------------------------------------------------------------------
function runView(r) {
  const top = r.documents.filter((d) => !d.path.includes("/"));
  const box = el("div", { class: "run" + (r.replaced_by ? " replaced" : "") },
    el("h3", { text: `${r.title} 第${r.version}版` + (r.replaced_by ? "（已被新的一版替代，文件在“旧版本”中）" : "") }));
  if (!r.folder) { box.append(el("p", { class: "warn", text: "找不到这次考核的文件（可能已被移走）。" })); return box; }
  // The documents a clerk opens first; the data files (results.json, 月度明细.csv, the records) after.
  const data = (d) => /\.(json|csv)$/i.test(d.name);
  box.append(el("ul", {}, ...top.filter((d) => !data(d)).map((d) => el("li", {}, el("a", { href: d.url, text: d.name })))));
  const rest = top.filter(data);
  if (rest.length) box.append(el("p", { class: "note" }, "数据文件（供核对、分析）：", ...rest.flatMap((d, i) => [i ? "　" : "", el("a", { href: d.url, text: d.name })])));
  if (r.zips.length) box.append(el("p", {}, "打包下载：", ...r.zips.flatMap((z, i) => [i ? "　" : "", el("a", { href: z.url, text: z.part })])));
  return box;
}

async function loadRecords() {
  try {
    const doc = await api("/api/assessments");
    $("#records").replaceChildren(...(doc.assessments.length ? doc.assessments.map(runView) : [el("p", { text: "还没有记录任何考核。" })]));
    const sel = $("#mail-run");
    const keep = sel.value;
    sel.replaceChildren(...doc.assessments.filter((r) => !r.replaced_by).map((r) => el("option", { value: r.id, text: `${r.title} 第${r.version}版` })));
    if (keep) sel.value = keep;
  } catch (e) {
    $("#records").replaceChildren(el("p", { class: "bad", text: e.message }));
  }
}
$("#records-refresh").addEventListener("click", loadRecords);
loaders.records = loadRecords;

// ---- 邮件 ---------------------------------------------------------------------------------------
async function loadMail() {
  await loadRecords();
  const id = $("#mail-run").value;
  if (!id) { $("#mail-drafts").textContent = "还没有可以发邮件的考核。"; return; }
  const m = await api("/api/mail?assessment=" + encodeURIComponent(id));
  $("#mail-drafts").textContent = m.drafts.length ? `${m.title}：已有邮件草稿 ${m.drafts.length} 封。` : `${m.title}：还没有邮件草稿，请先点“生成邮件草稿”。`;
}
loaders.mail = loadMail;
$("#mail-run").addEventListener("change", loadMail);

async function mailAction(action) {
  const id = $("#mail-run").value;
  if (!id) return;
  if (action === "send" && !confirm("确定要把邮件草稿发送给各驿站吗？已发送过的不会重复发送。")) return;
  try {
    const job = await postJSON("/api/mail", { assessment: id, action, confirm: action === "send" });
    $("#mail-digest").textContent = "进行中……";
    const poll = async () => {
      const j = await api("/api/jobs/" + job.id);
      if (j.state === "running") { $("#mail-digest").textContent = [j.title, ...j.notes.slice(-3)].join("\n"); setTimeout(poll, 500); return; }
      $("#mail-digest").textContent = j.state === "failed" ? j.error : j.digest;
      const rows = (j.result && j.result.rows) || [];
      $("#mail-rows tbody").replaceChildren(...rows.map((r) => el("tr", {},
        el("td", { text: r.station }), el("td", { text: r.recipients.join("，") }), el("td", { text: r.subject }),
        el("td", { class: r.status === "已发送" ? "ok" : "", text: r.status }), el("td", { text: r.error }))));
      $("#mail-rows").classList.toggle("hidden", !rows.length);
      loadMail();
    };
    poll();
  } catch (e) {
    toast(e.message, true);
  }
}
$("#mail-write").addEventListener("click", () => mailAction("write"));
$("#mail-dry").addEventListener("click", () => mailAction("dry-run"));
$("#mail-send").addEventListener("click", () => mailAction("send"));

// ---- 驿站历史 -------------------------------------------------------------------------------------
$("#history-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const code = $("#history-station").value.trim();
  if (!code) return;
  try {
    $("#history-text").textContent = (await api("/api/history?station=" + encodeURIComponent(code))).text;
  } catch (err) {
    $("#history-text").textContent = err.message;
  }
});

// ---- 退出 ---------------------------------------------------------------------------------------
$("#quit").addEventListener("click", async () => {
  if (!confirm("结束考核网页？结束后本页面不能再使用，需要时重新运行“运行考核”。")) return;
  try {
    await postJSON("/api/shutdown", {});
    document.body.replaceChildren(el("main", {}, el("h2", { text: "考核网页已退出，可以关闭本页面。" })));
  } catch (e) {
    toast(e.message, true);
  }
});

loadBoard();
