// The text of each customer's follow-ups, receivables and tickets, kept in
// memory so the customer search matches a word written in them ("冷库") as
// well as the customer's own fields.
//
// The index is built from the store on its first use, once per load, and
// kept current from the store's change events, which name the records each
// change wrote. A change without those names (the store was cleared at a
// logout, for example) makes the next use build the index again.
//
// At 10,000 customers with ten follow-ups each, a search reads about two
// million characters, so each customer's texts are joined, lower-cased, into
// one string that is searched with a single `includes`.

import { DELETED } from './merge.js';
import { recordKey, shownVersion, splitKey } from './store.js';

// The fields searched in each table, and the field that dates a record.
export const INDEXED_TABLES = {
  follow_ups: { fields: ['content', 'result'], date: 'happened_at' },
  receivables: { fields: ['order_no', 'notes'], date: 'sale_date' },
  tickets: { fields: ['subject', 'number', 'legacy_number', 'content'], date: 'received_at' },
};

// A search box cannot hold a line break, so joining the texts with one
// keeps a query from matching across two fields or two records.
const SEPARATOR = '\n';

export class CustomerTextIndex {
  // `store` is a Store (store.js) or anything with records(table),
  // fields(table, id) and the 'change' event with detail.keys.
  constructor(store) {
    this.store = store;
    this.entries = null; // customer id → Map(record key → entry), null until built
    this.customerOf = new Map(); // record key → customer id
    this.joined = new Map(); // customer id → the lower-cased texts of its entries
    store.addEventListener('change', (event) => this.applyChange(event.detail));
  }

  // The lower-cased texts of the customer's records, joined by line breaks,
  // or '' when none of its records has text.
  textOf(customerId) {
    this.build();
    let text = this.joined.get(customerId);
    if (text === undefined) {
      const entries = this.entries.get(customerId);
      text = entries ? [...entries.values()].map((entry) => entry.lower).join(SEPARATOR) : '';
      this.joined.set(customerId, text);
    }
    return text;
  }

  // The customer's record whose text contains `query` (any case), the latest
  // first, as {table, id, date, text, start}: text is the field that
  // matched and start the match's position in it. Null when none matches.
  findMatch(customerId, query) {
    const needle = query.trim().toLowerCase();
    if (!needle || !this.textOf(customerId).includes(needle)) return null;
    let latest = null;
    for (const entry of this.entries.get(customerId).values()) {
      if (!entry.lower.includes(needle)) continue;
      if (latest === null || String(entry.date ?? '') > String(latest.date ?? '')) latest = entry;
    }
    for (const text of latest?.texts ?? []) {
      const start = text.toLowerCase().indexOf(needle);
      if (start >= 0) return { table: latest.table, id: latest.id, date: latest.date, text, start };
    }
    return null;
  }

  // Read every indexed record from the store, unless the index is built.
  build() {
    if (this.entries) return;
    this.entries = new Map();
    this.customerOf.clear();
    this.joined.clear();
    for (const table of Object.keys(INDEXED_TABLES)) {
      for (const record of this.store.records(table)) this.put(table, record.id, shownVersion(record).fields);
    }
  }

  applyChange(detail) {
    if (!this.entries) return; // the first use reads the store as it is then
    if (!detail?.keys) {
      this.entries = null;
      return;
    }
    for (const key of detail.keys) {
      const [table, id] = splitKey(key);
      if (!(table in INDEXED_TABLES)) continue;
      this.remove(key);
      this.put(table, id);
    }
  }

  // Index the record as the store shows it (`fields`, read from the store
  // when not given), unless it is deleted, has no customer or has no text in
  // the indexed fields.
  put(table, id, fields = this.store.fields(table, id)) {
    if (!fields || fields[DELETED] || !fields.customer_id) return;
    const spec = INDEXED_TABLES[table];
    const texts = [];
    for (const name of spec.fields) {
      const value = fields[name];
      if (value !== null && value !== undefined && value !== '') texts.push(String(value));
    }
    if (!texts.length) return;
    const key = recordKey(table, id);
    const customerId = fields.customer_id;
    if (!this.entries.has(customerId)) this.entries.set(customerId, new Map());
    this.entries.get(customerId).set(key, {
      table, id, date: fields[spec.date] ?? null, texts, lower: texts.join(SEPARATOR).toLowerCase(),
    });
    this.customerOf.set(key, customerId);
    this.joined.delete(customerId);
  }

  remove(key) {
    const customerId = this.customerOf.get(key);
    if (customerId === undefined) return;
    this.customerOf.delete(key);
    this.joined.delete(customerId);
    const entries = this.entries.get(customerId);
    entries.delete(key);
    if (!entries.size) this.entries.delete(customerId);
  }
}
