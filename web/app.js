// The page of `backprop serve`: Playground, Check and Runs over the JSON API under /api/.
// Every number shown comes from the server (the derivation's own JSON and drawing); this file
// only lays them out.
'use strict';

const WORDS = {
  en: {
    playground: 'Playground', check: 'Check', runs: 'Runs', network: 'Network', example: 'Example',
    hidden: 'Hidden layers (units)', activation: 'Activation', output: 'Output', bias: 'Bias',
    shared: 'shared', per_unit: 'per unit', loss: 'Loss', optimizer: 'Optimizer',
    apply_form: 'Apply form', apply_toml: 'Apply TOML', share: 'Copy link', step: 'Step',
    run_n: 'Run N steps', run: 'Run', pause: 'Pause', reset: 'Reset', loss_curve: 'Loss',
    quantity: 'Quantity', click_hint: 'Click a weight, a unit or a value in the drawing.',
    set: 'Set', your_notes: 'Your notes', notes_hint: 'One name = value per line, names as backprop explain writes them.',
    their_spec: 'The spec they work (default: the worked example)', check_btn: 'Check', marked: 'Marked',
    runs_hint: 'Runs of backprop train … --log DIR/NAME.jsonl under --logdir DIR.',
    steps: 'steps', value: 'value', gradient: 'gradient ∂E_total/∂', chain: 'chain rule back to E_total',
    given: 'given', setup: 'Setup read', samples: 'samples', live: 'live', done: 'finished',
    no_runs: 'No runs yet.', copied: 'link copied', epoch: 'epoch', inputs: 'inputs',
    learning_rate: 'learning rate', samples_per_s: 'samples/s', accuracy: 'accuracy', rmse: 'RMSE',
    train_loss: 'train loss', val_loss: 'validation loss',
  },
  zh: {
    playground: '试验场', check: '检查', runs: '训练记录', network: '神经网络结构', example: '示例',
    hidden: '隐藏层（单元数）', activation: '激活函数', output: '输出层', bias: '偏置',
    shared: '共享', per_unit: '每个单元', loss: '损失函数', optimizer: '优化器',
    apply_form: '应用表单', apply_toml: '应用 TOML', share: '复制链接', step: '走一步',
    run_n: '走 N 步', run: '运行', pause: '暂停', reset: '重置', loss_curve: '误差',
    quantity: '量', click_hint: '点击图中的权重、单元或数值。',
    set: '设定', your_notes: '你的笔记', notes_hint: '每行一个 name = value，名字与 backprop explain 的写法相同。',
    their_spec: '笔记所算的网络（默认：示例）', check_btn: '检查', marked: '批改',
    runs_hint: '--logdir DIR 下 backprop train … --log DIR/NAME.jsonl 的训练记录。',
    steps: '步', value: '值', gradient: '梯度 ∂E_total/∂', chain: '链式法则，一直到 E_total',
    given: '已知', setup: '读出的设置', samples: '样本', live: '训练中', done: '已完成',
    no_runs: '还没有训练记录。', copied: '链接已复制', epoch: '轮', inputs: '输入',
    learning_rate: '学习率', samples_per_s: '样本/秒', accuracy: '准确率', rmse: 'RMSE',
    train_loss: '训练误差', val_loss: '验证误差',
  },
};

const $ = (id) => document.getElementById(id);
let lang = new URLSearchParams(location.search).get('lang') === 'zh' ? 'zh' : 'en';
const t = (key) => WORDS[lang][key] || key;

// ---- the API ----

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch('/api/' + path, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(data && data.error ? data.error : response.statusText);
  return data;
}

function showError(e) {
  const box = $('error');
  if (!e) { box.hidden = true; box.textContent = ''; return; }
  box.textContent = e.message || String(e);
  box.hidden = false;
}

// ---- small SVG charts ----

const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(3);
  return Number(x.toPrecision(5)).toString();
}

// A line chart of several series [{label, points: [[x, y]], colour}], y on a log scale when
// asked and every value is positive.
function chart(container, title, series, log) {
  const w = 460, h = 200, left = 58, right = 10, top = 22, bottom = 28;
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[1]));
  const svg = el('svg', { viewBox: `0 0 ${w} ${h}`, class: 'chart-svg', role: 'img' });
  svg.appendChild(el('text', { x: left, y: 14, class: 'chart-title' }, title));
  container.replaceChildren(svg);
  if (all.length === 0) return;
  const useLog = log && all.every((p) => p[1] > 0);
  const fy = useLog ? Math.log10 : (v) => v;
  const xs = all.map((p) => p[0]), ys = all.map((p) => fy(p[1]));
  let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y1 += 0.5; y0 -= 0.5; }
  const X = (x) => left + ((x - x0) / (x1 - x0)) * (w - left - right);
  const Y = (y) => top + (1 - (fy(y) - y0) / (y1 - y0)) * (h - top - bottom);
  svg.appendChild(el('line', { x1: left, y1: h - bottom, x2: w - right, y2: h - bottom, class: 'axis' }));
  svg.appendChild(el('line', { x1: left, y1: top, x2: left, y2: h - bottom, class: 'axis' }));
  const yLabel = (v) => fmt(useLog ? 10 ** v : v);
  svg.appendChild(el('text', { x: left - 4, y: top + 4, class: 'tick', 'text-anchor': 'end' }, yLabel(y1)));
  svg.appendChild(el('text', { x: left - 4, y: h - bottom, class: 'tick', 'text-anchor': 'end' }, yLabel(y0)));
  svg.appendChild(el('text', { x: left, y: h - 8, class: 'tick' }, fmt(x0)));
  svg.appendChild(el('text', { x: w - right, y: h - 8, class: 'tick', 'text-anchor': 'end' }, fmt(x1)));
  series.forEach((s, k) => {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (pts.length === 0) return;
    svg.appendChild(el('polyline', {
      points: pts.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' '),
      class: 'series', stroke: s.colour, 'data-series': s.label, 'data-count': pts.length,
      'data-first': pts[0][1], 'data-last': pts[pts.length - 1][1],
    }));
    svg.appendChild(el('text', { x: w - right - 4, y: top + 12 + 13 * k, fill: s.colour, class: 'legend', style: `fill:${s.colour}`, 'text-anchor': 'end' }, s.label));
  });
}

// ---- Playground ----

const play = { id: null, state: null, running: false, selected: null, examples: [] };

function toBase64(text) {
  const bytes = new TextEncoder().encode(text);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
}

function specFromUrl() {
  const m = location.hash.match(/spec=([A-Za-z0-9_-]+)/);
  if (!m) return null;
  try { return fromBase64(m[1]); } catch (e) { return null; }
}

function shareUrl(toml) {
  const url = new URL(location.href);
  url.hash = 'spec=' + toBase64(toml);
  return url.toString();
}

async function openSpec(toml) {
  showError(null);
  const state = play.id
    ? await api('PUT', `sessions/${play.id}/spec`, { toml })
    : await api('POST', 'sessions', { toml });
  play.id = state.id;
  history.replaceState(null, '', shareUrl(toml));
  show(state);
}

function show(state) {
  play.state = state;
  $('status').textContent = `${state.steps} ${t('steps')}` + (state.loss !== null ? ` · E = ${fmt(state.loss)}` : '');
  $('status').dataset.steps = state.steps;
  if (document.activeElement !== $('toml')) $('toml').value = state.spec;
  const drawing = $('drawing');
  if (state.drawing) {
    drawing.innerHTML = state.drawing.svg;
    $('not-drawn').hidden = true;
    fillForm(state.drawing.derivation);
    const names = $('q-names');
    names.replaceChildren(...state.drawing.derivation.quantities.map((q) => {
      const o = document.createElement('option'); o.value = q.name; return o;
    }));
    wireDrawing(drawing);
  } else if (state.not_drawn !== null) {
    drawing.replaceChildren();
    $('not-drawn').textContent = state.not_drawn;
    $('not-drawn').hidden = false;
  }
  chart($('curve'), `E (${t('steps')})`, [{ label: 'E', points: state.curve, colour: '#3a6ea5' }], true);
  if (play.selected) showQuantity(play.selected);
}

function fillForm(d) {
  const layers = d.network.layers;
  $('f-hidden').value = layers.slice(0, -1).map((l) => l.units).join(', ');
  if (layers.length > 1) $('f-activation').value = layers[0].activation;
  $('f-output').value = layers[layers.length - 1].activation;
  $('f-bias').value = layers[0].bias;
  $('f-loss').value = d.network.loss;
  $('f-optimizer').value = d.optimizer.kind;
  $('f-lr').value = d.optimizer.learning_rate;
}

// The form as TOML: the network it describes (weights initialised from the seed), with the
// current spec's [training] and [data] sections as they are.
function formToml() {
  const current = $('toml').value;
  const inputs = (current.match(/^\s*inputs\s*=\s*(\d+)/m) || [])[1];
  const rest = current.search(/^\s*\[(training|data)\]/m);
  const hidden = $('f-hidden').value.split(/[\s,]+/).filter(Boolean).map(Number);
  if (!inputs) throw new Error('TOML: no `inputs = N` line to keep');
  if (hidden.some((u) => !Number.isInteger(u) || u < 1)) throw new Error(`${t('hidden')}: expected whole numbers like 4, 3`);
  const outputs = play.state && play.state.drawing
    ? play.state.drawing.derivation.network.layers.slice(-1)[0].units : 1;
  const bias = $('f-bias').value;
  let out = `inputs = ${inputs}\nloss = "${$('f-loss').value}"\n\n[optimizer]\nkind = "${$('f-optimizer').value}"\nlearning_rate = ${Number($('f-lr').value)}\n`;
  for (const units of hidden) out += `\n[[layers]]\nunits = ${units}\nactivation = "${$('f-activation').value}"\nbias = "${bias}"\n`;
  out += `\n[[layers]]\nunits = ${outputs}\nactivation = "${$('f-output').value}"\nbias = "${bias}"\n`;
  if (rest >= 0) out += '\n' + current.slice(rest).trimStart();
  return out;
}

// Clicking an edge or a label picks its weight; a unit, its quantities; a bias box, the bias.
function wireDrawing(drawing) {
  const svg = drawing.querySelector('svg');
  if (!svg) return;
  svg.querySelectorAll('line.edge').forEach((line) => {
    const title = line.querySelector('title');
    const m = title && title.textContent.match(/^(\w+) = /);
    if (m) { line.dataset.name = m[1]; line.classList.add('pickable'); }
  });
  // A label names its quantity (`w1 = …`, `h1`, `b1`); the lines after it (its gradient
  // `∂ = …`, a bias's `= …`, a unit's values) belong to the same one.
  let last = null;
  svg.querySelectorAll('text').forEach((text) => {
    const s = text.textContent;
    const m = s.match(/^([wb][\w]*) = /) || s.match(/^([a-z]\w*)$/);
    if (m) last = m[1];
    else if (!(last && (s.startsWith('∂ = ') || s.startsWith('= ') || text.classList.contains('vals')))) last = null;
    if (last) { text.dataset.name = last; text.classList.add('pickable'); }
  });
  svg.addEventListener('click', (ev) => {
    const target = ev.target.closest('[data-name]');
    if (!target) return;
    let name = target.dataset.name;
    const known = new Set(play.state.drawing.derivation.quantities.map((q) => q.name));
    if (!known.has(name) && known.has(`s${play.state.drawing.derivation.samples[0]}.a_${name}`)) {
      name = `s${play.state.drawing.derivation.samples[0]}.a_${name}`;
    } else if (!known.has(name) && known.has(`s${play.state.drawing.derivation.samples[0]}.${name}`)) {
      name = `s${play.state.drawing.derivation.samples[0]}.${name}`;
    }
    selectQuantity(name);
  });
}

function selectQuantity(name) {
  play.selected = name;
  $('q-name').value = name;
  showQuantity(name);
}

// A quantity from the derivation's JSON: its formula written with numbers, its gradient, and
// the chain of quantities from it up to E_total (each step's local link named).
function showQuantity(name) {
  const d = play.state && play.state.drawing;
  const body = $('q-body');
  if (!d) return;
  const q = d.derivation.quantities.find((x) => x.name === name);
  if (!q) { body.textContent = name + ' ?'; return; }
  const lines = [];
  const written = d.written[name] || [];
  lines.push(`<div class="q-line"><b>${name}</b> = ${written.map(escapeHtml).join(' = ')}</div>`);
  lines.push(`<div class="q-line q-value" data-name="${name}" data-value="${q.value}">${t('value')}: ${q.value}</div>`);
  if (q.gradient !== null) lines.push(`<div class="q-line q-grad" data-gradient="${q.gradient}">${t('gradient')}${name} = ${q.gradient}</div>`);
  const chain = chainToTotal(d.derivation.quantities, name);
  if (chain.length > 1) {
    lines.push(`<div class="q-line">${t('chain')}:</div>`);
    lines.push(`<div class="q-chain">∂E_total/∂${name} = ${chain.slice(0, -1).map((c, k) => `∂${chain[k + 1]}/∂${c}`).reverse().join(' · ')} + …</div>`);
    lines.push(`<div class="q-chain">${chain.join(' → ')}</div>`);
  }
  body.innerHTML = lines.join('');
  const isParam = play.state.parameters && play.state.parameters.some((p) => p.name === name);
  $('edit').hidden = !isParam;
  if (isParam) {
    $('edit-name').textContent = name;
    if (document.activeElement !== $('edit-value')) $('edit-value').value = q.value;
  }
}

// One path from a quantity to E_total through quantities that depend on it (the first found).
function chainToTotal(quantities, name) {
  const users = new Map();
  for (const q of quantities) for (const i of q.inputs) {
    if (!users.has(i)) users.set(i, []);
    users.get(i).push(q);
  }
  const path = [name];
  let at = name;
  for (let guard = 0; guard < 64 && at !== 'E_total'; guard++) {
    const next = (users.get(at) || []).find((q) => q.gradient !== null && q.part !== 'update' && q.part !== 'backward');
    if (!next) break;
    path.push(next.name);
    at = next.name;
  }
  return path;
}

function escapeHtml(s) {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
}

async function step(n) {
  const state = await api('POST', `sessions/${play.id}/step`, { steps: n });
  show(state);
}

async function runLoop() {
  while (play.running) {
    try { await step(20); } catch (e) { showError(e); play.running = false; }
    await new Promise((r) => requestAnimationFrame(r));
  }
  $('run').textContent = t('run');
}

function guard(f) {
  return async (ev) => {
    if (ev) ev.preventDefault();
    try { showError(null); await f(ev); } catch (e) { showError(e); }
  };
}

async function initPlayground() {
  play.examples = await api('GET', 'examples');
  const select = $('example');
  select.replaceChildren(...play.examples.filter((e) => e.name !== 'start').map((e) => {
    const o = document.createElement('option'); o.value = e.name; o.textContent = e.name; return o;
  }));
  select.addEventListener('change', guard(() => openSpec(play.examples.find((e) => e.name === select.value).toml)));
  $('form').addEventListener('submit', guard(() => openSpec(formToml())));
  $('apply-toml').addEventListener('click', guard(() => openSpec($('toml').value)));
  $('share').addEventListener('click', guard(async () => {
    const url = shareUrl(play.state.spec);
    history.replaceState(null, '', url);
    if (navigator.clipboard) await navigator.clipboard.writeText(url).catch(() => {});
    $('status').textContent = t('copied');
  }));
  $('step').addEventListener('click', guard(() => step(1)));
  $('run-n').addEventListener('click', guard(async () => {
    let left = Math.floor(Number($('n').value));
    if (!(left >= 1)) throw new Error('N: expected a whole number of steps, at least 1');
    while (left > 0) {
      const n = Math.min(left, 10000);
      await step(n);
      left -= n;
    }
  }));
  $('run').addEventListener('click', () => {
    play.running = !play.running;
    $('run').textContent = play.running ? t('pause') : t('run');
    if (play.running) runLoop();
  });
  $('reset').addEventListener('click', guard(async () => show(await api('POST', `sessions/${play.id}/reset`))));
  $('q-name').addEventListener('change', () => selectQuantity($('q-name').value));
  $('edit-set').addEventListener('click', guard(async () => {
    const value = Number($('edit-value').value);
    if ($('edit-value').value.trim() === '' || !Number.isFinite(value)) throw new Error(`${$('edit-name').textContent}: expected a number`);
    show(await api('PUT', `sessions/${play.id}/parameters/${encodeURIComponent($('edit-name').textContent)}`, { value }));
  }));
  const start = specFromUrl() || play.examples.find((e) => e.name === 'start').toml;
  await openSpec(start);
  // The tab closes: its session goes (it would expire anyway).
  addEventListener('pagehide', () => {
    if (play.id) fetch(`/api/sessions/${play.id}`, { method: 'DELETE', keepalive: true });
  });
}

// ---- Check ----

const MARK = { correct: '✓', slip: '✗', carried: '?', misnamed: '✗', unrecognised: '?' };

async function runCheck() {
  const body = { notes: $('notes').value, lang };
  const spec = $('check-spec').value.trim();
  if (spec) body.spec = spec;
  const report = await api('POST', 'check', body);
  // One mark per line: the line's first figure that is not correct, else its first.
  const byLine = new Map();
  for (const m of report.marks) {
    const had = byLine.get(m.line);
    if (!had || (had.verdict.kind === 'correct' && m.verdict.kind !== 'correct')) byLine.set(m.line, m);
  }
  const list = $('marked');
  list.replaceChildren();
  $('notes').value.split('\n').forEach((text, k) => {
    const li = document.createElement('li');
    li.className = 'note-line';
    const written = document.createElement('span');
    written.className = 'written';
    written.textContent = text || '\u00a0';
    li.appendChild(written);
    const m = byLine.get(k + 1);
    if (m) {
      const mark = document.createElement('span');
      mark.className = `mark mark-${m.verdict.kind}`;
      mark.textContent = MARK[m.verdict.kind];
      mark.dataset.name = m.name;
      li.insertBefore(mark, written);
      const why = document.createElement('span');
      why.className = 'why';
      why.textContent = m.explanation;
      li.appendChild(why);
    }
    list.appendChild(li);
  });
  $('check-summary').textContent = report.summary;
  const s = report.setup;
  $('check-setup').textContent = `${t('setup')} (${s.source}): ${s.summary}`;
}

function initCheck() {
  $('check-btn').addEventListener('click', guard(runCheck));
  $('notes-file').addEventListener('change', guard(async () => {
    const f = $('notes-file').files[0];
    if (f) $('notes').value = await f.text();
  }));
}

// ---- Runs ----

const runs = { selected: null, lines: [], total: 0, timer: null };

async function refreshRuns() {
  let list;
  try { list = await api('GET', 'runs'); } catch (e) {
    $('run-list').replaceChildren(Object.assign(document.createElement('li'), { textContent: e.message }));
    return;
  }
  const ul = $('run-list');
  ul.replaceChildren(...list.map((r) => {
    const li = document.createElement('li');
    const a = Object.assign(document.createElement('a'), { href: '#', textContent: r.name });
    a.dataset.run = r.name;
    a.addEventListener('click', (ev) => { ev.preventDefault(); selectRun(r.name); });
    li.append(a, ` · ${r.live ? t('live') : t('done')}`);
    if (r.name === runs.selected) li.classList.add('selected');
    return li;
  }));
  if (list.length === 0) ul.replaceChildren(Object.assign(document.createElement('li'), { textContent: t('no_runs') }));
}

function selectRun(name) {
  runs.selected = name;
  runs.lines = [];
  runs.total = 0;
  $('run-name').textContent = name;
  pollRun();
}

async function pollRun() {
  if (!runs.selected) return;
  const name = runs.selected;
  const r = await api('GET', `runs/${name.split('/').map(encodeURIComponent).join('/')}?from=${runs.total}`);
  if (name !== runs.selected) return;
  runs.lines.push(...r.lines);
  runs.total = r.total;
  drawRun();
}

function drawRun() {
  const epochs = runs.lines.filter((l) => l && l.epoch !== undefined);
  const series = (key) => epochs.filter((l) => l[key] !== null && l[key] !== undefined).map((l) => [l.epoch, l[key]]);
  const box = $('run-charts');
  const charts = [
    [t('loss'), [{ label: t('train_loss'), points: series('train_loss'), colour: '#3a6ea5' }, { label: t('val_loss'), points: series('val_loss'), colour: '#b34700' }], true],
  ];
  if (epochs.some((l) => l.val_accuracy !== undefined)) charts.push([t('accuracy'), [{ label: t('accuracy'), points: series('val_accuracy'), colour: '#4f8a3c' }], false]);
  if (epochs.some((l) => l.val_rmse !== undefined)) charts.push([t('rmse'), [{ label: t('rmse'), points: series('val_rmse'), colour: '#4f8a3c' }], false]);
  charts.push([t('learning_rate'), [{ label: t('learning_rate'), points: series('learning_rate'), colour: '#7a4fa5' }], false]);
  charts.push([t('samples_per_s'), [{ label: t('samples_per_s'), points: series('samples_per_s'), colour: '#555' }], false]);
  while (box.children.length < charts.length) box.appendChild(document.createElement('div'));
  while (box.children.length > charts.length) box.lastChild.remove();
  charts.forEach(([title, s, log], k) => { box.children[k].className = 'chart'; chart(box.children[k], `${title} (${t('epoch')})`, s, log); });
}

function initRuns() {
  setInterval(() => {
    if ($('runs').hidden) return;
    refreshRuns();
    pollRun().catch(showError);
  }, 1000);
}

// ---- pages and language ----

function showPage(name) {
  for (const page of document.querySelectorAll('.page')) page.hidden = page.id !== name;
  for (const tab of document.querySelectorAll('.tab')) tab.classList.toggle('active', tab.dataset.page === name);
  if (name === 'runs') refreshRuns();
}

function setLang(code) {
  lang = code;
  document.documentElement.lang = code === 'zh' ? 'zh-Hans' : 'en';
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  $('run').textContent = play.running ? t('pause') : t('run');
  for (const b of document.querySelectorAll('.lang-btn')) b.classList.toggle('active', b.dataset.lang === code);
  const url = new URL(location.href);
  url.searchParams.set('lang', code);
  history.replaceState(null, '', url);
  if (play.state) show(play.state);
  if (runs.selected) drawRun();
}

document.addEventListener('DOMContentLoaded', () => {
  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', (ev) => { ev.preventDefault(); showPage(tab.dataset.page); });
  }
  for (const b of document.querySelectorAll('.lang-btn')) b.addEventListener('click', () => setLang(b.dataset.lang));
  setLang(lang);
  initCheck();
  initRuns();
  const page = new URLSearchParams(location.search).get('page');
  showPage(['check', 'runs'].includes(page) ? page : 'playground');
  initPlayground().catch(showError);
});
