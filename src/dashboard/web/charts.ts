// The two charts: transaction counts by type (horizontal bars with their count written beside them) and
// amounts by type over a range of event time (lines of buckets, average, total or largest). Only the
// registered Chart.js parts are bundled. Updates skip animation: at up to 10 updates a second animations
// would never finish and only cost frames.
//
// Small categories stay visible: a type with a handful of transactions next to tens of thousands gets a
// bar of at least MIN_BAR_PX and its exact count, which reads better than a logarithmic axis (whose bar
// lengths nobody compares correctly).
//
// Amounts are heavy-tailed (one payroll deposit can be worth a thousand coffees), so the amount axis
// can also be logarithmic, ticked at powers of ten: then one large transaction does not flatten every
// other line.
//
// The time axis is linear in milliseconds with ticks of our own (format.ts timeTicks): round times of the
// viewer's clock, with the day where it changes, so a range over several days of simulated time says
// which days. A bucket without transactions is a gap in the line, and the bucket still filling (it holds
// the newest event time) is drawn dashed.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip } from 'chart.js';
import type { Plugin, ScriptableContext, ScriptableLineSegmentContext } from 'chart.js';
import { TRANSACTION_TYPES, type TransactionType } from '../../bank/transaction.ts';
import type { TotalsView } from '../views.ts';
import { formatAmountTick, formatDateTime, formatDuration, formatInt, formatTime, isCurrencyCode, sameDay, timeTicks, type TimeTick } from './format.ts';
import { seriesPoints, type SeriesState } from './state.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale, LineController, LineElement, PointElement, Legend, Tooltip);

export const TYPE_COLORS: Readonly<Record<TransactionType, string>> = {
  deposit: '#2e7d32',
  withdraw: '#c62828',
  current_balance: '#1565c0',
  checking_account: '#6a1b9a',
  savings_account: '#00838f',
  low_balance: '#ef6c00',
};

export const TYPE_LABELS: Readonly<Record<TransactionType, string>> = {
  deposit: 'deposit',
  withdraw: 'withdraw',
  current_balance: 'current balance',
  checking_account: 'to checking',
  savings_account: 'to savings',
  low_balance: 'low balance',
};

// The amount chart shows money that moved. The balance reports (a balance inquiry, a low-balance notice)
// carry the account's balance as their amount: averaging or adding those to deposits would mislead.
export const MOVEMENT_TYPES: readonly TransactionType[] = TRANSACTION_TYPES.filter((t) => t !== 'current_balance' && t !== 'low_balance');

const INK = '#1d252d';
const MIN_BAR_PX = 4;

Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.font.size = 12;
Chart.defaults.color = '#3c4650';

export type AmountMetric = 'avg' | 'sum' | 'max';

const METRIC_TITLES: Readonly<Record<AmountMetric, (bucket: string) => string>> = {
  avg: () => 'average per transaction',
  sum: (bucket) => `total per ${bucket}`,
  max: () => 'largest transaction',
};
// The axis title has the height of the chart only (on a phone about 120 px); the bucket length is in the
// card's note.
const METRIC_AXIS: Readonly<Record<AmountMetric, string>> = { avg: 'average', sum: 'total', max: 'largest' };

function tickLimit(widthPx: number): number {
  return Math.max(2, Math.min(8, Math.floor(widthPx / 95)));
}

// Each bar's count, inside the bar's end when it fits (white, or ink on the light orange), else beside it.
const countLabels: Plugin<'bar'> = {
  id: 'countLabels',
  afterDatasetsDraw(chart) {
    const meta = chart.getDatasetMeta(0);
    const data = chart.data.datasets[0]?.data ?? [];
    const { ctx } = chart;
    ctx.save();
    ctx.font = `600 12px ${String(Chart.defaults.font.family)}`;
    ctx.textBaseline = 'middle';
    const zero = chart.scales.x?.getPixelForValue(0) ?? 0;
    meta.data.forEach((bar, i) => {
      const count = Number(data[i] ?? 0);
      const text = formatInt(count);
      const props = bar.getProps(['x', 'y', 'base'], true) as { x: number; y: number; base: number };
      // A type not seen has no bar (null), only its 0.
      const { y } = props;
      const x = count === 0 ? zero : props.x;
      const base = count === 0 ? zero : props.base;
      const width = ctx.measureText(text).width;
      const inside = x - base >= width + 12;
      ctx.fillStyle = inside ? (TRANSACTION_TYPES[i] === 'low_balance' ? INK : '#ffffff') : INK;
      ctx.textAlign = inside ? 'right' : 'left';
      ctx.fillText(text, inside ? x - 6 : x + 5, y);
    });
    ctx.restore();
  },
};

export class Charts {
  private readonly types: Chart<'bar', Array<number | null>, string>;
  private readonly amounts: Chart<'line', Array<{ x: number; y: number | null }>, string>;
  private readonly amountsCanvas: HTMLCanvasElement;
  private readonly typesCanvas: HTMLCanvasElement;
  private metric: AmountMetric = 'avg';
  private log = false;
  private ticks: TimeTick[] = [];
  private labels = new Map<number, string | string[]>();
  private partialFromMs = Number.POSITIVE_INFINITY; // points at or after this are in the bucket still filling
  private shown: SeriesState | null = null;

  constructor(typesCanvas: HTMLCanvasElement, amountsCanvas: HTMLCanvasElement) {
    this.typesCanvas = typesCanvas;
    this.amountsCanvas = amountsCanvas;
    this.types = new Chart(typesCanvas, {
      type: 'bar',
      data: {
        labels: TRANSACTION_TYPES.map((t) => TYPE_LABELS[t]),
        datasets: [{ label: 'transactions', data: TRANSACTION_TYPES.map(() => 0), backgroundColor: TRANSACTION_TYPES.map((t) => TYPE_COLORS[t]), borderRadius: 3, minBarLength: MIN_BAR_PX, barPercentage: 0.8 }],
      },
      plugins: [countLabels],
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => ` ${formatInt(Number(item.raw))} transactions` } } },
        // Room beside the longest bar for a count written outside it. Counts are whole: precision 0 keeps
        // a small scale from ticking at halves, which the integer labels showed as 0, 1, 1, 2.
        scales: { x: { beginAtZero: true, grace: '12%', ticks: { maxTicksLimit: 5, precision: 0, callback: (v) => formatAmountTick(Number(v), '') } }, y: { grid: { display: false } } },
      },
    });
    this.amounts = new Chart(amountsCanvas, {
      type: 'line',
      data: {
        datasets: MOVEMENT_TYPES.map((t) => ({
          label: TYPE_LABELS[t],
          data: [],
          borderColor: TYPE_COLORS[t],
          backgroundColor: TYPE_COLORS[t],
          borderWidth: 1.75,
          // A point only where a bucket stands alone between gaps: a line needs two.
          pointRadius: (ctx: ScriptableContext<'line'>) => (isolated(ctx.dataset.data as Array<{ y: number | null }>, ctx.dataIndex) ? 2.5 : 0),
          pointHoverRadius: 3,
          // Smooth, but never beyond the buckets' values (a plain spline overshoots next to a spike).
          cubicInterpolationMode: 'monotone' as const,
          spanGaps: false,
          segment: { borderDash: (ctx: ScriptableLineSegmentContext) => ((ctx.p1.parsed.x ?? 0) >= this.partialFromMs ? [4, 3] : undefined) },
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        onResize: (chart) => this.updateAxis(chart as Chart<'line', Array<{ x: number; y: number | null }>, string>),
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              title: (items) => this.bucketTitle(items[0]?.parsed.x ?? null),
              label: (item) => (item.parsed.y === null ? '' : ` ${item.dataset.label ?? ''}: ${this.formatAmount(item.parsed.y)}`),
            },
          },
        },
        scales: {
          x: {
            type: 'linear',
            afterBuildTicks: (scale) => {
              scale.ticks = this.ticks.map((t) => ({ value: t.value }));
            },
            ticks: { autoSkip: false, maxRotation: 0, callback: (v) => this.labels.get(Number(v)) ?? '' },
          },
          y: this.amountAxis(),
        },
      },
    });
  }

  setMetric(metric: AmountMetric): void {
    this.metric = metric;
  }

  setLogScale(on: boolean): void {
    this.log = on;
    if (this.amounts.options.scales !== undefined) this.amounts.options.scales.y = this.amountAxis();
  }

  private amountAxis() {
    const ticks = { callback: (v: number | string) => formatAmountTick(Number(v), this.shown?.currency ?? '') };
    const title = { display: true, text: this.axisTitle() };
    if (!this.log) return { type: 'linear' as const, beginAtZero: true, title, ticks };
    return {
      type: 'logarithmic' as const,
      title,
      ticks,
      // Whole decades around the data (updateAmounts sets min and max), a tick at each.
      afterBuildTicks: (scale: { min: number; max: number; ticks: Array<{ value: number }> }) => {
        const out: Array<{ value: number }> = [];
        for (let e = Math.round(Math.log10(scale.min)); 10 ** e <= scale.max * 1.0001; e++) out.push({ value: 10 ** e });
        if (out.length >= 2) scale.ticks = out;
      },
    };
  }

  updateTypes(totals: TotalsView | null): void {
    const counts = TRANSACTION_TYPES.map((t) => totals?.byType[t]?.count ?? 0);
    const bar = this.types.data.datasets[0];
    // null, not 0: minBarLength would give a zero a bar.
    if (bar !== undefined) bar.data = counts.map((n) => (n === 0 ? null : n));
    this.types.update('none');
    const text = `Transactions by type: ${TRANSACTION_TYPES.map((t, i) => `${TYPE_LABELS[t]} ${formatInt(counts[i] ?? 0)}`).join(', ')}`;
    if (this.typesCanvas.getAttribute('aria-label') !== text) this.typesCanvas.setAttribute('aria-label', text);
  }

  updateAmounts(series: SeriesState | null): void {
    this.shown = series;
    const points = series === null ? [] : seriesPoints(series);
    const half = (series?.bucketMs ?? 0) / 2;
    MOVEMENT_TYPES.forEach((t, i) => {
      const ds = this.amounts.data.datasets[i];
      if (ds === undefined) return;
      ds.data = points.map(({ startMs, bucket }) => {
        const s = bucket?.byType[t];
        if (s === undefined) return { x: startMs + half, y: null };
        const cents = this.metric === 'avg' ? s.sumCents / s.count : this.metric === 'sum' ? s.sumCents : s.maxCents;
        // A logarithmic axis has no zero.
        return { x: startMs + half, y: this.log && cents <= 0 ? null : cents / 100 };
      });
    });
    this.partialFromMs = series !== null && series.headMs !== null && series.headMs < series.toMs ? series.toMs - series.bucketMs : Number.POSITIVE_INFINITY;
    this.updateAxis(this.amounts);
    const y = this.amounts.options.scales?.y;
    const title = this.axisTitle();
    if (y?.title !== undefined) y.title.text = title;
    if (y?.type === 'logarithmic') {
      let low = Number.POSITIVE_INFINITY;
      let high = 0;
      for (const ds of this.amounts.data.datasets) {
        for (const p of ds.data) {
          if (p.y === null) continue;
          low = Math.min(low, p.y);
          high = Math.max(high, p.y);
        }
      }
      y.min = high > 0 ? 10 ** Math.floor(Math.log10(low)) : undefined;
      y.max = high > 0 ? 10 ** Math.max(Math.ceil(Math.log10(high)), Math.floor(Math.log10(low)) + 1) : undefined;
    }
    // The axis is drawn on the canvas; its title is also here for tests.
    this.amountsCanvas.dataset.axis = title;
    this.amounts.update('none');
    const label = series === null || series.headMs === null
      ? 'Amounts by type over time: no data yet'
      : `Amounts by type, ${METRIC_TITLES[this.metric](formatDuration(series.bucketMs))}, ${formatDateTime(series.fromMs)} to ${formatDateTime(series.toMs)}`;
    if (this.amountsCanvas.getAttribute('aria-label') !== label) this.amountsCanvas.setAttribute('aria-label', label);
  }

  // "USD · average", "USD · total (log)"; without one currency, says so.
  axisTitle(): string {
    const currency = this.shown?.currency ?? '';
    const what = METRIC_AXIS[this.metric];
    const scale = this.log ? ' (log)' : '';
    if (currency === '') return what + scale;
    return isCurrencyCode(currency) ? `${currency} · ${what}${scale}` : `${what}, mixed currencies${scale}`;
  }

  // Before the first update and on every resize (the number of ticks follows the width).
  private updateAxis(chart: Chart<'line', Array<{ x: number; y: number | null }>, string>): void {
    const s = this.shown;
    const x = chart.options.scales?.x;
    if (x?.type !== 'linear') return;
    if (s === null || s.toMs <= s.fromMs) {
      this.ticks = [];
      return;
    }
    x.min = s.fromMs;
    x.max = s.toMs;
    this.ticks = timeTicks(s.fromMs, s.toMs, tickLimit(chart.width));
    this.labels = new Map(this.ticks.map((t) => [t.value, t.label]));
  }

  private formatAmount(value: number): string {
    const currency = this.shown?.currency ?? '';
    const digits = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
    return isCurrencyCode(currency)
      ? new Intl.NumberFormat('en-US', { style: 'currency', currency, ...digits }).format(value)
      : new Intl.NumberFormat('en-US', digits).format(value);
  }

  private bucketTitle(midMs: number | null): string {
    const s = this.shown;
    if (s === null || midMs === null) return '';
    const start = midMs - s.bucketMs / 2;
    const end = start + s.bucketMs;
    const filling = start >= this.partialFromMs ? ' (still filling)' : '';
    return `${formatDateTime(start)} – ${sameDay(start, end - 1) ? formatTime(end) : formatDateTime(end)}${filling}`;
  }
}

function isolated(data: ReadonlyArray<{ y: number | null }>, i: number): boolean {
  const y = (k: number) => data[k]?.y ?? null;
  return y(i) !== null && y(i - 1) === null && y(i + 1) === null;
}
