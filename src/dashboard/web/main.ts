// Entry point of the dashboard page: one EventSource for everything, a state reducer, and a render that
// runs at most once per animation frame with whatever the latest state is.
import './style.css';
import { SEVERITIES } from '../../processor/alert.ts';
import { QUALITY_KEYS } from '../../processor/quality.ts';
import { TOPICS } from '../../bank/transaction.ts';
import type { Case } from '../../formats/case.ts';
import type { IncidentFigures } from '../../processor/incident-score.ts';
import { DETECTION_NEEDS_LABELS, RANGES, type CaseDetailView, type RangeName, type StreamMessage } from '../views.ts';
import type { RelatedCase } from '../case-store.ts';
import { Charts, type AmountMetric } from './charts.ts';
import { byId, el, fillTable, setText, type Cell } from './dom.ts';
import { formatCents, formatCompact, formatDateTime, formatDay, formatDuration, formatInt, formatMs, formatPercent, formatSpan, formatSpeed, formatTime, formatTimeNear, sameDay } from './format.ts';
import { applyMessage, emptyState, isStale, type PageState } from './state.ts';

const SEVERITY_CLASS: Readonly<Record<string, string>> = {
  LOW: 'sev sev-low',
  MEDIUM: 'sev sev-medium',
  HIGH: 'sev sev-high',
  CRITICAL: 'sev sev-critical',
};
// Group lag above this many records is highlighted.
const LAG_WARN = 10_000;

const state: PageState = emptyState();
const charts = new Charts(byId<HTMLCanvasElement>('chart-types'), byId<HTMLCanvasElement>('chart-amounts'));
let frame = 0;
let rendered = { topics: state.topics, groups: state.groups, alerts: state.alerts, cases: state.cases, notifications: state.notifications };
// The case shown in the case view, and the version of it that was loaded.
let selectedCase: string | null = null;
let shownVersion = 0;
let loading: AbortController | null = null;
let connected = false;
let lastMessageAtMs: number | null = null; // page clock, so a server clock that is off does not matter
let range: RangeName = '5m';
const METRICS: readonly AmountMetric[] = ['avg', 'sum', 'max'];

function schedule(): void {
  if (frame === 0) frame = requestAnimationFrame(render);
}

function setStatus(kind: 'live' | 'connecting' | 'down', text: string): void {
  const node = byId('status');
  node.className = `status status-${kind}`;
  node.textContent = text;
}

// Shown values are stale once the stream is down or silent: they stay on the page, dimmed, with a
// marker (a live region, so screen readers hear it too) saying since when.
function checkStale(): void {
  const stale = isStale(connected, lastMessageAtMs, Date.now());
  document.body.classList.toggle('stale', stale);
  setText('stale', stale && lastMessageAtMs !== null ? `stale since ${formatTime(lastMessageAtMs)}` : '');
}

function connect(): void {
  const source = new EventSource('/api/events');
  const onMessage = (event: MessageEvent<string>) => {
    applyMessage(state, JSON.parse(event.data) as StreamMessage);
    lastMessageAtMs = Date.now();
    checkStale();
    schedule();
  };
  source.addEventListener('snapshot', onMessage);
  source.addEventListener('update', onMessage);
  source.addEventListener('open', () => {
    connected = true;
    setStatus('live', 'live');
  });
  // EventSource reconnects by itself (the server asks for 2 s); CLOSED means it gave up.
  source.addEventListener('error', () => {
    connected = false;
    if (source.readyState === EventSource.CLOSED) {
      setStatus('down', 'disconnected');
      setTimeout(connect, 5000);
    } else {
      setStatus('connecting', 'reconnecting');
    }
    checkStale();
  });
}

function render(): void {
  frame = 0;
  const summary = state.summary;
  const series = state.series[range] ?? null;
  charts.updateTypes(summary?.totals ?? null);
  charts.updateAmounts(series);
  renderClock();
  renderKpis();
  if (rendered.alerts !== state.alerts) renderAlerts();
  if (rendered.cases !== state.cases) renderCases();
  if (rendered.notifications !== state.notifications) renderNotifications();
  renderQuality();
  renderDetection();
  if (rendered.groups !== state.groups) renderGroups();
  if (rendered.topics !== state.topics) renderTopics();
  rendered = { topics: state.topics, groups: state.groups, alerts: state.alerts, cases: state.cases, notifications: state.notifications };
  // For tests and curious humans: which message the page shows, and how many buckets of the range hold data.
  document.body.dataset.seq = String(state.seq);
  document.body.dataset.points = String(series?.buckets.size ?? 0);
  document.body.dataset.head = String(summary?.clock.headMs ?? '');
}

// Event time, plainly: its date and time, and how much faster than the wall clock it runs when a
// simulation fast-forwards; the wall-clock time of the latest update is labelled as such.
function renderClock(): void {
  const summary = state.summary;
  if (summary === null) return;
  const clock = summary.clock;
  setText('event-clock', clock.headMs === null ? 'event time –' : `event time ${formatDateTime(clock.headMs)}`);
  setText('simulated', clock.simulated && clock.speed !== null ? `simulated ${formatSpeed(clock.speed)}` : '');
  setText('updated', `updated ${formatTime(summary.generatedAtMs)} wall clock`);
  const series = state.series[range];
  if (series === undefined || series.headMs === null) {
    setText('amounts-note', 'no transactions yet');
    return;
  }
  const from = series.fromMs;
  const to = Math.min(series.toMs, series.headMs);
  const span = sameDay(from, to - 1) ? `${formatDay(from)}, ${formatTime(from)} – ${formatTime(to)}` : `${formatDay(from)} ${formatTime(from)} – ${formatDay(to)} ${formatTime(to)}`;
  setText('amounts-note', `${span} event time · ${formatDuration(series.bucketMs)} buckets`);
}

function renderKpis(): void {
  const summary = state.summary;
  if (summary === null) return;
  const t = summary.totals;
  // Wall-clock rates come from offsets (cluster poller); the windows only know event-time rates, and the
  // simulator's clock runs at its own pace, so those are the fallback and the detail.
  const inputRate = state.topics?.topics.find((x) => x.name === TOPICS.transactions)?.ratePerSec ?? null;
  const processed = (state.groups?.groups ?? []).filter((g) => g.ratePerSec !== null && g.partitions.some((p) => p.topic === TOPICS.transactions));
  const eventRate = `${formatCompact(Math.round(t.throughputPerSec))}/s of event time`;
  byId('kpi-throughput').title = inputRate === null ? eventRate : `${formatCompact(Math.round(inputRate))}/s into ${TOPICS.transactions}; ${eventRate}`;
  if (inputRate === null) {
    setText('kpi-throughput', formatCompact(Math.round(t.throughputPerSec)));
    setText('kpi-throughput-detail', 'tx per second of event time');
  } else {
    setText('kpi-throughput', `${formatCompact(Math.round(inputRate))}/s`);
    const processedRate = processed.reduce((n, g) => n + (g.ratePerSec ?? 0), 0);
    setText('kpi-throughput-detail', processed.length === 0 ? `into ${TOPICS.transactions}` : `processed ${formatCompact(Math.round(processedRate))}/s`);
  }
  setText('kpi-transactions', formatInt(t.valid));
  setText('kpi-since', t.sinceMs === null ? 'no windows yet' : `since ${formatTimeNear(t.sinceMs, summary.clock.headMs ?? t.sinceMs)} event time`);
  let alerts = 0;
  for (const n of Object.values(t.alertsBySeverity)) alerts += n;
  setText('kpi-alerts', formatInt(alerts));
  const bySeverity = [...SEVERITIES].reverse().filter((s) => (t.alertsBySeverity[s] ?? 0) > 0);
  setText('kpi-alerts-detail', bySeverity.length === 0 ? 'none' : bySeverity.map((s) => `${s.toLowerCase()} ${formatCompact(t.alertsBySeverity[s] ?? 0)}`).join(' · '));
  setText('kpi-dlq', formatInt(t.dlq));
  const reasons = Object.entries(t.dlqByReason).sort((a, b) => b[1] - a[1]);
  setText('kpi-dlq-detail', reasons.length === 0 ? 'none' : reasons.slice(0, 2).map(([r, n]) => `${r} ${formatCompact(n)}`).join(' · '));
  setText('kpi-late', formatInt(t.late));
  setText('kpi-partitions', String(t.partitions.length));
  const r = summary.reader;
  setText('kpi-reader', r.error !== null ? r.error : `${formatCompact(r.windowsRead)} windows · ${formatCompact(r.alertsRead)} alerts read`);
}

// Event time of the alert, with the day when it is not the newest alert's day; the full date on hover.
function alertTime(iso: string, newestMs: number): Cell {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return { text: iso, className: 'time' };
  return { text: formatTimeNear(ms, Number.isNaN(newestMs) ? ms : newestMs), className: 'time', title: formatDateTime(ms) };
}

function renderAlerts(): void {
  const newest = Date.parse(state.alerts[0]?.timestamp ?? '');
  const rows: Cell[][] = state.alerts.map((a) => [
    alertTime(a.timestamp, newest),
    { text: a.severity, className: Object.hasOwn(SEVERITY_CLASS, a.severity) ? (SEVERITY_CLASS[a.severity] as string) : 'sev sev-unknown' },
    a.rule,
    // The transaction's risk score (all its fraud rules together); none for a duplicate id alone.
    { text: a.risk_score > 0 ? a.risk_score.toFixed(2) : '–', className: 'num risk', title: 'risk score of the transaction' },
    { text: a.account_id, className: 'mono id', title: a.account_id },
    a.transaction_type,
    { text: a.explanation, className: 'explain' },
  ]);
  fillTable(byId<HTMLTableSectionElement>('alerts-body'), rows, 'No alerts yet.', 7, true);
  setText('alerts-note', state.droppedAlerts > 0 ? `newest ${state.alerts.length}; ${formatCompact(state.droppedAlerts)} more arrived between updates` : `newest ${state.alerts.length}`);
}

function severityCell(severity: string): Cell {
  return { text: severity, className: Object.hasOwn(SEVERITY_CLASS, severity) ? (SEVERITY_CLASS[severity] as string) : 'sev sev-unknown' };
}

function td(cell: Cell): HTMLTableCellElement {
  const node = typeof cell === 'string' ? el('td', '', cell) : el('td', cell.className, cell.text);
  if (typeof cell !== 'string' && cell.title !== undefined) node.title = cell.title;
  node.setAttribute('role', 'cell');
  return node;
}

// The case queue: one row per case, its account a button that opens the case view. One of the buttons
// is in the tab order (the shown case's, else the first); the arrow keys move between them.
function renderCases(): void {
  const body = byId<HTMLTableSectionElement>('cases-body');
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.caseId : undefined;
  const newest = state.cases.reduce((m, c) => Math.max(m, c.updated_ms), 0);
  const current = state.cases.some((c) => c.case_id === selectedCase) ? selectedCase : (state.cases[0]?.case_id ?? null);
  if (state.cases.length === 0) {
    fillTable(body, [], 'No fraud cases yet.', 8, true);
  } else {
    const fragment = document.createDocumentFragment();
    for (const c of state.cases) {
      const tr = el('tr', c.case_id === selectedCase ? 'selected' : '');
      tr.setAttribute('role', 'row');
      const { cell: account, button: open } = caseLinkCell(c);
      open.tabIndex = c.case_id === current ? 0 : -1;
      if (c.case_id === selectedCase) open.setAttribute('aria-current', 'true');
      tr.append(
        td({ text: c.score.toFixed(2), className: 'num score' }),
        td(severityCell(c.severity)),
        account,
        td({ text: c.rules.join(', '), className: 'rules' }),
        td({ text: formatCents(c.amount_at_risk_cents), className: 'num' }),
        td({ text: formatTimeNear(c.opened_ms, newest), className: 'time', title: formatDateTime(c.opened_ms) }),
        td({ text: formatTimeNear(c.updated_ms, newest), className: 'time', title: `${formatDateTime(c.updated_ms)} · version ${c.version}` }),
        td(c.status),
      );
      fragment.append(tr);
    }
    body.replaceChildren(fragment);
    if (focused !== undefined) body.querySelector<HTMLButtonElement>(`button[data-case-id="${CSS.escape(focused)}"]`)?.focus();
  }
  setText('cases-note', state.cases.length === 0 ? '' : `${state.cases.length} shown, highest score first`);
  // The shown case changed (a newer version arrived): load it again.
  const shown = state.cases.find((c) => c.case_id === selectedCase);
  if (shown !== undefined && shown.version > shownVersion) void loadCase(shown.case_id);
}

// A case's account as a button that opens the case (the queue's and the related cases' account cell).
function caseLinkCell(c: Case): { cell: HTMLTableCellElement; button: HTMLButtonElement } {
  const button = el('button', 'case-link mono', c.account_id);
  button.type = 'button';
  button.dataset.caseId = c.case_id;
  button.title = `open case ${c.case_id}`;
  const cell = td({ text: '', className: 'id' });
  cell.append(button);
  return { cell, button };
}

function caseButtons(): HTMLButtonElement[] {
  return [...byId('cases-body').querySelectorAll<HTMLButtonElement>('button.case-link')];
}

function moveCaseFocus(from: HTMLButtonElement, step: number): void {
  const buttons = caseButtons();
  const to = buttons[Math.min(buttons.length - 1, Math.max(0, buttons.indexOf(from) + step))];
  if (to === undefined) return;
  for (const b of buttons) b.tabIndex = b === to ? 0 : -1;
  to.focus();
}

async function loadCase(id: string): Promise<void> {
  selectedCase = id;
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  setText('case-note', 'loading…');
  try {
    const response = await fetch(`/api/cases/${encodeURIComponent(id)}`, { signal: controller.signal });
    if (!response.ok) throw new Error(response.status === 404 ? 'this case is no longer held by the dashboard' : `the dashboard answered ${response.status}`);
    const detail = (await response.json()) as CaseDetailView;
    if (loading !== controller) return;
    shownVersion = detail.case.version;
    renderCase(detail);
  } catch (error) {
    if (controller.signal.aborted) return;
    setText('case-note', error instanceof Error ? error.message : String(error));
  }
  for (const b of caseButtons()) {
    const mine = b.dataset.caseId === id;
    b.closest('tr')?.classList.toggle('selected', mine);
    if (mine) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

function fact(list: DocumentFragment, term: string, value: string, className = ''): void {
  list.append(el('dt', '', term), el('dd', className, value));
}

function renderCase(detail: CaseDetailView): void {
  const c: Case = detail.case;
  setText('case-title', `Case ${c.account_id}`);
  setText('case-note', `score ${c.score.toFixed(2)} · ${c.severity.toLowerCase()} · version ${c.version}`);
  const facts = document.createDocumentFragment();
  fact(facts, 'Case', c.case_id, 'mono');
  fact(facts, 'Account', c.customer_id === undefined || c.customer_id === '' ? c.account_id : `${c.account_id} (customer ${c.customer_id})`, 'mono');
  fact(facts, 'Rules', c.rules.join(', '));
  fact(facts, 'Amount at risk', formatCents(c.amount_at_risk_cents));
  fact(facts, 'Opened', formatDateTime(c.opened_ms));
  fact(facts, 'Updated', formatDateTime(c.updated_ms));
  fact(facts, 'Status', c.status);
  if (c.linked_accounts !== undefined && c.linked_accounts.length > 0) fact(facts, 'Linked accounts', c.linked_accounts.join(', '), 'mono');
  byId('case-facts').replaceChildren(facts);

  const newest = Date.parse(detail.alerts.at(-1)?.timestamp ?? '');
  const alertRows: Cell[][] = detail.alerts.map((a) => [alertTime(a.timestamp, newest), severityCell(a.severity), a.rule, { text: a.explanation, className: 'explain' }]);
  const missing = detail.missingAlertIds.length;
  fillTable(byId<HTMLTableSectionElement>('case-alerts-body'), alertRows, missing > 0 ? `${missing} alert(s) no longer held by the dashboard.` : 'No alerts.', 4);

  // Cases of the accounts this one sent money to or got it from: a victim's case leads to the mule's.
  const relatedRows = detail.related.map((r) => {
    const tr = el('tr');
    tr.append(td({ text: r.case.score.toFixed(2), className: 'num score' }), td(severityCell(r.case.severity)), caseLinkCell(r.case).cell, td({ text: r.case.rules.join(', '), className: 'rules' }), td(RELATIONS[r.relation]));
    return tr;
  });
  const relatedBody = byId<HTMLTableSectionElement>('case-related-body');
  if (relatedRows.length === 0) fillTable(relatedBody, [], 'None among the cases held.', 5);
  else relatedBody.replaceChildren(...relatedRows);
  setText('case-related-note', relatedRows.length === 0 ? '' : 'cases of its linked accounts, and cases that name this account');

  const alerted = new Set(detail.alerts.map((a) => a.transaction_id));
  const t = detail.transactions;
  const newestTx = t.items[0]?.timestampMs ?? 0;
  const txRows: Cell[][] = t.items.map((x) => {
    const flag = alerted.has(x.transactionId) ? ' alerted' : '';
    return [
      { text: formatTimeNear(x.timestampMs, newestTx), className: `time${flag}`, title: formatDateTime(x.timestampMs) },
      { text: x.type, className: flag.trim() },
      { text: formatCents(x.amountCents), className: `num${flag}` },
      { text: x.balanceCents === null ? '–' : formatCents(x.balanceCents), className: 'num' },
      x.channel ?? '–',
      { text: x.counterpartyId ?? x.merchantCategory ?? '–', className: 'mono id', title: x.counterpartyId ?? '' },
      x.status,
    ];
  });
  fillTable(byId<HTMLTableSectionElement>('case-tx-body'), txRows, t.error ?? 'None in the span read.', 7);
  setText('case-tx-note', t.error !== null ? '' : `${t.items.length} of the account's transactions among ${formatInt(t.scanned)} records of partition ${t.partition} (offsets ${t.fromOffset ?? '–'}–${t.toOffset ?? '–'}); alerted ones in bold`);
}

const RELATIONS: Readonly<Record<RelatedCase['relation'], string>> = {
  counterparty: 'its account is linked to this case',
  'names this account': 'it links this account',
  both: 'linked both ways',
};

function renderNotifications(): void {
  const newest = Date.parse(state.notifications[0]?.timestamp ?? '');
  const rows: Cell[][] = state.notifications.map((n) => [
    alertTime(n.timestamp, newest),
    severityCell(n.severity),
    n.rule,
    { text: n.account_id, className: 'mono id', title: n.account_id },
    { text: n.explanation, className: 'explain' },
  ]);
  fillTable(byId<HTMLTableSectionElement>('notifications-body'), rows, 'No notifications yet.', 5, true);
  setText('notifications-note', state.notifications.length === 0 ? 'low balance and overdraft beyond the agreed limit' : `newest ${state.notifications.length}: low balance, overdraft beyond the agreed limit`);
}

function renderQuality(): void {
  const q = state.summary?.quality ?? null;
  const body = byId<HTMLTableSectionElement>('quality-body');
  if (q === null) {
    fillTable(body, [], 'No labelled records: quality needs the simulator\'s sim-label header.', 6);
    setText('quality-note', '');
    return;
  }
  const rows: Cell[][] = QUALITY_KEYS.map((key) => {
    const r = q.byRule[key];
    return [
      key === 'any' ? 'any rule' : key,
      { text: formatPercent(r.precision), className: 'num' },
      { text: formatPercent(r.recall), className: 'num' },
      { text: formatInt(r.tp), className: 'num' },
      { text: formatInt(r.fp), className: 'num' },
      { text: formatMs(r.meanTtdMs), className: 'num' },
    ];
  });
  fillTable(body, rows, '', 6);
  setText('quality-note', `${formatInt(q.episodes)} fraud episodes in ${formatCompact(q.labeled)} labelled records`);
}

function renderDetection(): void {
  const d = state.summary?.detection ?? null;
  const facts = byId<HTMLDListElement>('detection-cases');
  const body = byId<HTMLTableSectionElement>('detection-body');
  if (d === null) {
    facts.replaceChildren();
    fillTable(body, [], DETECTION_NEEDS_LABELS, 5);
    setText('detection-note', '');
    return;
  }
  const t = d.table;
  const items: Array<[string, string]> = [
    ['Cases', formatInt(t.cases)],
    ['Case precision', formatPercent(t.casePrecision)],
    ['Cases / 1,000 accounts / day', t.casesPerThousandAccountsPerDay === null ? '–' : t.casesPerThousandAccountsPerDay.toFixed(2)],
    ['Top-100 cases per day, precision', formatPercent(t.top100Precision)],
  ];
  facts.replaceChildren(...items.flatMap(([term, value]) => [el('dt', '', term), el('dd', '', value)]));
  const row = (name: string, f: IncidentFigures): Cell[] => [
    name,
    { text: formatInt(f.incidents), className: 'num' },
    { text: formatPercent(f.recall), className: 'num' },
    { text: formatPercent(f.valueDetected), className: 'num' },
    { text: formatSpan(f.medianTtdMs), className: 'num' },
  ];
  const rows: Cell[][] = [row('all scenarios', t), ...Object.entries(t.byScenario).map(([scenario, f]) => row(scenario, f))];
  fillTable(body, rows, '', 5);
  const warm = d.warmUntilMs !== null && (state.summary?.clock.headMs ?? 0) < d.warmUntilMs ? `; warming up until ${formatDateTime(d.warmUntilMs)}` : '';
  const partial = d.partial ? '; partial: only the history re-read from bank_metrics' : '';
  setText('detection-note', `${formatInt(t.accounts)} accounts over ${t.days.toFixed(1)} days of event time after the warm-up, ${d.partitions.length} partition${d.partitions.length === 1 ? '' : 's'}${warm}${partial}`);
}

function renderGroups(): void {
  const g = state.groups;
  const rows: Cell[][] = [];
  for (const group of g?.groups ?? []) {
    for (const p of group.partitions) {
      rows.push([
        group.groupId,
        group.state,
        p.topic,
        { text: String(p.partition), className: 'num' },
        { text: p.committed === null ? '–' : formatInt(p.committed), className: 'num' },
        { text: formatInt(p.latest), className: 'num' },
        { text: formatInt(p.lag), className: Number(p.lag) > LAG_WARN ? 'num lag-high' : 'num' },
        p.owner ?? '–',
      ]);
    }
  }
  fillTable(byId<HTMLTableSectionElement>('lag-body'), rows, g?.error ? 'Group information unavailable.' : 'No consumer groups yet.', 8);
  const total = (g?.groups ?? []).reduce((n, x) => n + Number(x.totalLag), 0);
  setText('lag-note', g?.error ? g.error : `${g?.groups.length ?? 0} group(s), total lag ${formatInt(total)}`);
}

function renderTopics(): void {
  const t = state.topics;
  if (t === null) return;
  const rows: Cell[][] = t.topics.map((topic) => [
    topic.name,
    { text: String(topic.partitions.length), className: 'num' },
    { text: formatInt(topic.messages), className: 'num' },
    { text: topic.ratePerSec === null ? '–' : formatCompact(Math.round(topic.ratePerSec)), className: 'num' },
    { text: topic.partitions.map((p) => formatInt(p.latest)).join(' · '), className: 'mono' },
  ]);
  fillTable(byId<HTMLTableSectionElement>('topics-body'), rows, t.error ? 'Topic information unavailable.' : 'No topics yet.', 5);
  setText('topics-note', t.error ?? (t.updatedAtMs === null ? '' : `as of ${formatTime(t.updatedAtMs)}`));
  const brokers = t.brokers.map((b) => `broker ${b.nodeId} at ${b.host}:${b.port}${b.nodeId === t.controllerId ? ' (controller)' : ''}`).join(', ');
  setText('brokers', brokers === '' ? '–' : brokers);
  setText('cluster', t.clusterId === null ? '–' : `cluster ${t.clusterId} · ${t.brokers.length} broker${t.brokers.length === 1 ? '' : 's'}`);
}

// A group of toggle buttons: the pressed one is `on` and aria-pressed.
function press(ids: readonly string[], pressed: string): void {
  for (const id of ids) {
    const button = byId<HTMLButtonElement>(id);
    button.classList.toggle('on', id === pressed);
    button.setAttribute('aria-pressed', String(id === pressed));
  }
}

for (const metric of METRICS) {
  byId(`metric-${metric}`).addEventListener('click', () => {
    charts.setMetric(metric);
    press(METRICS.map((m) => `metric-${m}`), `metric-${metric}`);
    schedule();
  });
}
byId('scale-log').addEventListener('click', () => {
  const on = byId('scale-log').getAttribute('aria-pressed') !== 'true';
  charts.setLogScale(on);
  press(['scale-log'], on ? 'scale-log' : '');
  schedule();
});
for (const r of RANGES) {
  byId(`range-${r}`).addEventListener('click', () => {
    range = r;
    press(RANGES.map((x) => `range-${x}`), `range-${r}`);
    schedule();
  });
}
byId('cases-body').addEventListener('click', (event) => {
  // Anywhere on a case's row opens it, not only its account button.
  const button = event.target instanceof Element ? event.target.closest('tr')?.querySelector<HTMLButtonElement>('button.case-link') : null;
  if (button?.dataset.caseId !== undefined) void loadCase(button.dataset.caseId);
});
byId('case-related-body').addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest<HTMLButtonElement>('button.case-link') : null;
  if (button?.dataset.caseId !== undefined) void loadCase(button.dataset.caseId);
});
byId('cases-body').addEventListener('keydown', (event) => {
  if (!(event.target instanceof HTMLButtonElement)) return;
  const step = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity }[event.key];
  if (step === undefined) return;
  event.preventDefault();
  moveCaseFocus(event.target, step);
});
renderQuality();
renderDetection();
renderGroups();
renderCases();
renderNotifications();
connect();
setInterval(checkStale, 1000);
