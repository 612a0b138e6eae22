// Realism statistics of a labelled stream: how much of the money leaving accounts is fraud, how many
// customers fall victim per year, how many incidents there are, and how bursty normal card spending is.
// The targets these are judged against are issue 15's (simulator v2).

import { DAY_MS } from '../bank/calendar.ts';
import type { EventTable } from './event-table.ts';

const YEAR_DAYS = 365;
export const BURST_WINDOW_MS = 60_000;

export interface StreamStats {
  records: number;
  fraudRecords: number;
  spanDays: number;
  customers: number;
  accounts: number;
  outflow: number; // approved withdrawals, major units
  fraudOutflow: number;
  fraudValueShare: number; // fraudOutflow / outflow
  victims: number;
  victimsPerCustomerYear: number; // victims / customers, annualised over the simulated span
  incidents: number;
  incidentsFromHeader: boolean; // false: inferred per customer and scenario (simulator v1)
  incidentsByLabel: Record<string, number>;
  fraudRecordsByLabel: Record<string, number>;
  cardPurchases: number; // normal ones
  burstyCardPurchases: number; // normal card purchases within BURST_WINDOW_MS of the account's previous card purchase
  burstiness: number;
  declined: number;
  declinedFraud: number;
}

// A card purchase is a withdrawal on the card channel (v1 and v2) or one paid to a merchant (v2, where an
// online purchase may use another channel); declined attempts count, they are purchases tried.
export function isCardPurchase(table: EventTable, row: number): boolean {
  if (table.types.name(table.type[row] ?? 0) !== 'withdraw') return false;
  if (table.channels.name(table.channel[row] ?? 0) === 'card') return true;
  return table.counterparties.name(table.counterparty[row] ?? 0).startsWith('MER-');
}

function isApprovedWithdrawal(table: EventTable, row: number, withdrawType: number | undefined): boolean {
  return table.type[row] === withdrawType && table.declined[row] === 0;
}

// Scenarios whose account holder is the perpetrator (or a mule), never the victim.
export const PERPETRATOR_SCENARIOS: ReadonlySet<string> = new Set(['mule_transfer', 'mule_network', 'structuring']);

// A victim is a customer with an account whose first fraud-labelled money movement is money going out,
// in a scenario that has victims. Mules receive the stolen money before they move it on (their first is a
// deposit, whatever the incident's label), and a reimbursement after confirmed fraud comes after the loss.
function countVictims(table: EventTable): number {
  const withdrawType = table.types.lookup('withdraw');
  const depositType = table.types.lookup('deposit');
  const firstMove = new Map<number, 'out' | 'in'>();
  const victims = new Set<number>();
  for (let i = 0; i < table.length; i++) {
    const label = table.label[i] ?? 0;
    if (label === 0 || PERPETRATOR_SCENARIOS.has(table.labels.name(label))) continue;
    const account = table.account[i] ?? 0;
    if (firstMove.has(account)) continue;
    const type = table.type[i];
    if (type === withdrawType) {
      firstMove.set(account, 'out');
      victims.add(table.customer[i] ?? 0);
    } else if (type === depositType) firstMove.set(account, 'in');
  }
  return victims.size;
}

export function streamStats(table: EventTable): StreamStats {
  const withdrawType = table.types.lookup('withdraw');
  let outflow = 0;
  let fraudOutflow = 0;
  let fraudRecords = 0;
  let declined = 0;
  let declinedFraud = 0;
  let cardPurchases = 0;
  let bursty = 0;
  const fraudRecordsByLabel: Record<string, number> = {};
  const incidentLabel = new Map<number, number>();
  const lastCard = new Map<number, number>();
  for (let i = 0; i < table.length; i++) {
    const fraud = table.label[i] !== 0;
    if (fraud) {
      fraudRecords++;
      const label = table.labels.name(table.label[i] ?? 0);
      fraudRecordsByLabel[label] = (fraudRecordsByLabel[label] ?? 0) + 1;
      const incident = table.incident[i] ?? 0;
      if (!incidentLabel.has(incident)) incidentLabel.set(incident, table.label[i] ?? 0);
    }
    if (table.declined[i] === 1) {
      declined++;
      if (fraud) declinedFraud++;
    }
    if (isApprovedWithdrawal(table, i, withdrawType)) {
      const amount = table.amount[i] ?? 0;
      outflow += amount;
      if (fraud) fraudOutflow += amount;
    }
    if (isCardPurchase(table, i)) {
      const account = table.account[i] ?? 0;
      const t = table.timeMs[i] ?? 0;
      const previous = lastCard.get(account);
      if (!fraud) {
        cardPurchases++;
        if (previous !== undefined && t - previous <= BURST_WINDOW_MS) bursty++;
      }
      lastCard.set(account, t);
    }
  }
  const incidentsByLabel: Record<string, number> = {};
  for (const label of incidentLabel.values()) {
    const name = table.labels.name(label);
    incidentsByLabel[name] = (incidentsByLabel[name] ?? 0) + 1;
  }
  const customers = table.customers.size - 1;
  const spanDays = table.spanMs / DAY_MS;
  const victims = countVictims(table);
  return {
    records: table.length,
    fraudRecords,
    spanDays,
    customers,
    accounts: table.accounts.size - 1,
    outflow,
    fraudOutflow,
    fraudValueShare: outflow > 0 ? fraudOutflow / outflow : 0,
    victims,
    victimsPerCustomerYear: customers > 0 && spanDays > 0 ? victims / customers / (spanDays / YEAR_DAYS) : 0,
    incidents: incidentLabel.size,
    incidentsFromHeader: table.incidentsFromHeader,
    incidentsByLabel,
    fraudRecordsByLabel,
    cardPurchases,
    burstyCardPurchases: bursty,
    burstiness: cardPurchases > 0 ? bursty / cardPurchases : 0,
    declined,
    declinedFraud,
  };
}
