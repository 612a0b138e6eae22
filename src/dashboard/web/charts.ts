// The two charts: transaction types (bar, totals) and amounts per second by type (line, avg or max).
// Only the registered Chart.js parts are bundled. Updates skip animation: at up to 10 updates a second
// animations would never finish and only cost frames.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { TRANSACTION_TYPES, type TransactionType } from '../../bank/transaction.ts';
import type { TotalsView, WindowView } from '../views.ts';
import { formatCompact, formatTime } from './format.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

export const TYPE_COLORS: Readonly<Record<TransactionType, string>> = {
  deposit: '#2e7d32',
  withdraw: '#c62828',
  current_balance: '#1565c0',
  checking_account: '#6a1b9a',
  savings_account: '#00838f',
  low_balance: '#ef6c00',
};

const TYPE_LABELS: Readonly<Record<TransactionType, string>> = {
  deposit: 'deposit',
  withdraw: 'withdraw',
  current_balance: 'current balance',
  checking_account: 'to checking',
  savings_account: 'to savings',
  low_balance: 'low balance',
};

Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.font.size = 12;
Chart.defaults.color = '#3c4650';

export type AmountMetric = 'avg' | 'max';

function timeTickLimit(widthPx: number): number {
  return Math.max(2, Math.min(8, Math.floor(widthPx / 90)));
}

export class Charts {
  private readonly types: Chart<'bar', number[], string>;
  private readonly amounts: Chart<'line', Array<number | null>, string>;
  private metric: AmountMetric = 'avg';

  constructor(typesCanvas: HTMLCanvasElement, amountsCanvas: HTMLCanvasElement) {
    this.types = new Chart(typesCanvas, {
      type: 'bar',
      data: {
        labels: TRANSACTION_TYPES.map((t) => TYPE_LABELS[t]),
        datasets: [{ label: 'transactions', data: TRANSACTION_TYPES.map(() => 0), backgroundColor: TRANSACTION_TYPES.map((t) => TYPE_COLORS[t]), borderRadius: 3 }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => formatCompact(Number(v)) } } },
      },
    });
    this.amounts = new Chart(amountsCanvas, {
      type: 'line',
      data: {
        labels: [],
        datasets: TRANSACTION_TYPES.map((t) => ({
          label: TYPE_LABELS[t],
          data: [],
          borderColor: TYPE_COLORS[t],
          backgroundColor: TYPE_COLORS[t],
          borderWidth: 1.5,
          pointRadius: 0,
          tension: 0.2,
          spanGaps: false,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        // About one time label per 90 px: Chart.js' own skipping lets HH:MM:SS labels touch on a phone.
        onResize: (chart, size) => {
          const x = chart.options.scales?.x;
          if (x?.ticks !== undefined) x.ticks.maxTicksLimit = timeTickLimit(size.width);
        },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 2 } } },
        scales: {
          x: { ticks: { maxTicksLimit: timeTickLimit(amountsCanvas.parentElement?.clientWidth ?? 800), maxRotation: 0, autoSkipPadding: 12 } },
          y: { beginAtZero: true, title: { display: true, text: 'amount' }, ticks: { callback: (v) => formatCompact(Number(v)) } },
        },
      },
    });
  }

  setMetric(metric: AmountMetric): void {
    this.metric = metric;
  }

  update(totals: TotalsView | null, windows: readonly WindowView[]): void {
    const bar = this.types.data.datasets[0];
    if (bar !== undefined) bar.data = TRANSACTION_TYPES.map((t) => totals?.byType[t]?.count ?? 0);
    this.types.update('none');

    this.amounts.data.labels = windows.map((w) => formatTime(w.startMs));
    TRANSACTION_TYPES.forEach((t, i) => {
      const ds = this.amounts.data.datasets[i];
      if (ds === undefined) return;
      ds.data = windows.map((w) => {
        const s = w.byType[t];
        if (s === undefined) return null;
        return (this.metric === 'avg' ? s.avgCents : s.maxCents) / 100;
      });
    });
    this.amounts.update('none');
  }
}
