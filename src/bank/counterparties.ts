// The bank's world around its customers: merchants (each with a category), bill payees, ATMs and
// employers. Every id but a merchant's is built once here and shared; a merchant is its number, written
// as an id only where one is needed (see Counterparty), so emitting a purchase never allocates one. Which
// merchants, ATMs, employer and contacts a customer has is derived by hashing (customer, slot) instead of
// being stored: a population of several hundred thousand customers costs no memory for its habits, and
// the same seed always gives the same habits.

import type { MerchantCategory } from './transaction.ts';
import type { Rng } from './rng.ts';

// Categories of card purchases: how often a purchase is in the category (weight), how large it is
// relative to the customer's own typical purchase (amountFactor), and how spread (log-normal sigma).
interface CategorySpec {
  readonly weight: number;
  readonly amountFactor: number;
  readonly sigma: number;
}

const CARD_CATEGORIES: Readonly<Partial<Record<MerchantCategory, CategorySpec>>> = {
  grocery: { weight: 22, amountFactor: 1.4, sigma: 0.7 },
  restaurant: { weight: 19, amountFactor: 0.8, sigma: 0.6 },
  fuel: { weight: 8, amountFactor: 1.3, sigma: 0.4 },
  transport: { weight: 6, amountFactor: 0.25, sigma: 0.7 },
  digital_goods: { weight: 6, amountFactor: 0.2, sigma: 0.9 },
  online_retail: { weight: 14, amountFactor: 1.2, sigma: 0.9 },
  electronics: { weight: 2, amountFactor: 4, sigma: 0.9 },
  travel: { weight: 1.5, amountFactor: 5, sigma: 0.9 },
  entertainment: { weight: 5, amountFactor: 0.8, sigma: 0.7 },
  health: { weight: 4, amountFactor: 1.2, sigma: 0.8 },
  gambling: { weight: 0.8, amountFactor: 1.2, sigma: 1 },
  crypto: { weight: 0.4, amountFactor: 3, sigma: 1 },
  money_transfer: { weight: 0.6, amountFactor: 2.5, sigma: 0.8 },
  jewelry: { weight: 0.4, amountFactor: 4, sigma: 0.9 },
  gift_cards: { weight: 1.3, amountFactor: 1.3, sigma: 0.7 },
  charity: { weight: 0.8, amountFactor: 0.8, sigma: 0.9 },
  other: { weight: 7, amountFactor: 0.8, sigma: 0.9 },
};
export const CARD_CATEGORY_LIST = Object.keys(CARD_CATEGORIES) as MerchantCategory[];
const SPECS = CARD_CATEGORY_LIST.map((c) => CARD_CATEGORIES[c] as CategorySpec);
const CUMULATIVE_WEIGHT = (() => {
  const out = new Float64Array(SPECS.length);
  let total = 0;
  SPECS.forEach((spec, i) => {
    total += spec.weight;
    out[i] = total;
  });
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / total;
  return out;
})();

// Mean of amountFactor·e^(σ²/2) over the mix: a customer's typical purchase is their mean spend per
// purchase divided by this, so the budget still holds whatever the categories.
export const CARD_MIX_MEAN = SPECS.reduce((sum, s) => sum + s.weight * s.amountFactor * Math.exp((s.sigma * s.sigma) / 2), 0) / SPECS.reduce((sum, s) => sum + s.weight, 0);

function categoryFactor(category: number): number {
  return (SPECS[category] as CategorySpec).amountFactor;
}

function categorySigma(category: number): number {
  return (SPECS[category] as CategorySpec).sigma;
}

// A card purchase in `category` by a customer whose typical card purchase is `median` cents: log-normal
// around it times the category's factor (and `scale`), with the category's spread; at least `min` cents.
// The simulator's everyday shopping and the card fraud that copies it draw their amounts the same way.
export function purchaseAmount(rng: Rng, median: number, category: number, min: number, scale = 1): number {
  return Math.max(min, Math.round(rng.logNormal(median * categoryFactor(category) * scale, categorySigma(category))));
}

export function categoryIndex(name: MerchantCategory): number {
  const index = CARD_CATEGORY_LIST.indexOf(name);
  if (index < 0) throw new RangeError(`${name} is not a card category`);
  return index;
}

const BILL_CATEGORIES = ['housing', 'utilities', 'telecom', 'insurance'] as const;
export type BillCategory = (typeof BILL_CATEGORIES)[number];

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(n)));
}

// Merchant ids are MERCHANT_ID_PREFIX and the merchant's number (index + 1) in MERCHANT_ID_DIGITS digits
// (there are fewer than 100,000): record values write them from the number (sim-event.ts).
export const MERCHANT_ID_PREFIX = 'MER-';
export const MERCHANT_ID_DIGITS = 5;

// The other side of a transaction: its id (ASCII, nothing to escape), or a merchant's number (index into
// World.merchantCategory), which a record value writes as the merchant's id (merchantId) from the number:
// reading a string made in advance cost a card purchase a cache miss and a character-by-character copy.
export type Counterparty = string | number;

export function merchantId(merchant: number): string {
  return `${MERCHANT_ID_PREFIX}${String(merchant + 1).padStart(MERCHANT_ID_DIGITS, '0')}`;
}

function ids(prefix: string, count: number, digits: number, first = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(first + i + 1).padStart(digits, '0')}`);
}

// 32-bit avalanche of two integers and the world's salt (murmur3's finaliser).
function mix(salt: number, a: number, b: number): number {
  let h = (salt ^ Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const TWO_POW_32 = 4294967296;

export class World {
  readonly merchantCategory: Uint8Array;
  readonly atmIds: readonly string[];
  readonly employerIds: readonly string[];
  readonly #byCategory: readonly Int32Array[];
  readonly #payees: Readonly<Record<BillCategory, readonly string[]>>;
  readonly #customers: number;
  readonly #salt: number;

  constructor(rng: Rng, customers: number) {
    this.#customers = customers;
    this.#salt = rng.uint32() | 0;
    const merchants = clamp(customers / 6, 400, 99_999);
    this.merchantCategory = new Uint8Array(merchants);
    const lists: number[][] = SPECS.map(() => []);
    for (let m = 0; m < merchants; m++) {
      // Every category has merchants; beyond that the category mix decides.
      const category = m < SPECS.length ? m : this.#category(rng.next());
      this.merchantCategory[m] = category;
      lists[category]?.push(m);
    }
    this.#byCategory = lists.map((list) => Int32Array.from(list));
    this.atmIds = ids('ATM-', clamp(customers / 150, 20, 9_999), 4);
    this.employerIds = ids('EXT-EMP', clamp(customers / 25, 20, 99_999), 5);
    let next = 0;
    const payees = (count: number): string[] => {
      const list = ids('PAY-', count, 5, next);
      next += count;
      return list;
    };
    this.#payees = { housing: payees(clamp(customers / 15, 20, 90_000)), utilities: payees(12), telecom: payees(6), insurance: payees(15) };
  }

  #category(u: number): number {
    let i = 0;
    while (i < CUMULATIVE_WEIGHT.length - 1 && u >= (CUMULATIVE_WEIGHT[i] ?? 1)) i++;
    return i;
  }

  // A merchant of the category, popular ones more often (u² skews towards the low indexes).
  merchantIn(category: number, u: number): number {
    const list = this.#byCategory[category] as Int32Array;
    return list[Math.floor(u * u * list.length)] ?? 0;
  }

  // A merchant picked the way purchases are spread over categories.
  anyMerchant(u1: number, u2: number): number {
    return this.merchantIn(this.#category(u1), u2);
  }

  // The customer's habitual merchants: 5..12 of them, stable for the customer's life.
  habitCount(customer: number): number {
    return 5 + (mix(this.#salt, customer, 1) % 8);
  }

  habitualMerchant(customer: number, slot: number): number {
    return this.anyMerchant(mix(this.#salt, customer, 100 + slot) / TWO_POW_32, mix(this.#salt, customer, 200 + slot) / TWO_POW_32);
  }

  // Two ATMs near home.
  homeAtm(customer: number, slot: number): string {
    return this.atmIds[mix(this.#salt, customer, 300 + slot) % this.atmIds.length] as string;
  }

  employer(customer: number): string {
    return this.employerIds[mix(this.#salt, customer, 400) % this.employerIds.length] as string;
  }

  payee(category: BillCategory, customer: number): string {
    const list = this.#payees[category];
    return list[mix(this.#salt, customer, 500 + BILL_CATEGORIES.indexOf(category)) % list.length] as string;
  }

  // Friends and family who bank here too: 1..5 other customers.
  contactCount(customer: number): number {
    return 1 + (mix(this.#salt, customer, 2) % 5);
  }

  contact(customer: number, slot: number): number {
    const other = mix(this.#salt, customer, 600 + slot) % Math.max(1, this.#customers - 1);
    return other >= customer ? other + 1 : other;
  }

  // People outside the bank who send the customer money now and then (family, side gigs).
  externalSender(customer: number, slot: number): string {
    return `EXT-${String(mix(this.#salt, customer, 700 + slot) % 100_000_000).padStart(8, '0')}`;
  }
}
