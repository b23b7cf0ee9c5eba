import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AGGREGATE_TOPICS,
  CATALOGUE,
  CatalogueError,
  catalogueEntry,
  EVENT_DEFINITIONS,
  loadCatalogue,
  SCHEMAS_DIR,
  type EventDefinition,
} from '../src';

describe('event catalogue', () => {
  it('has one entry per event type of the catalogue (docs/events.md), with topic, record name and subject', () => {
    expect(CATALOGUE.entries.map((entry) => [entry.eventType, entry.topic, entry.fullName, entry.subject])).toEqual([
      [
        'PRODUCT_LIKED',
        'catalog-events',
        'commerce.catalog.ProductLiked',
        'catalog-events-commerce.catalog.ProductLiked',
      ],
      [
        'PRODUCT_UNLIKED',
        'catalog-events',
        'commerce.catalog.ProductUnliked',
        'catalog-events-commerce.catalog.ProductUnliked',
      ],
      [
        'PRODUCT_VIEWED',
        'catalog-events',
        'commerce.catalog.ProductViewed',
        'catalog-events-commerce.catalog.ProductViewed',
      ],
      [
        'STOCK_DECREASED',
        'catalog-events',
        'commerce.catalog.StockDecreased',
        'catalog-events-commerce.catalog.StockDecreased',
      ],
      [
        'STOCK_INCREASED',
        'catalog-events',
        'commerce.catalog.StockIncreased',
        'catalog-events-commerce.catalog.StockIncreased',
      ],
      [
        'PRODUCT_METRICS_SNAPSHOT',
        'catalog-events',
        'commerce.catalog.ProductMetricsSnapshot',
        'catalog-events-commerce.catalog.ProductMetricsSnapshot',
      ],
      ['ORDER_CREATED', 'order-events', 'commerce.order.OrderCreated', 'order-events-commerce.order.OrderCreated'],
      ['COUPON_USED', 'order-events', 'commerce.order.CouponUsed', 'order-events-commerce.order.CouponUsed'],
      [
        'PAYMENT_COMPLETED',
        'order-events',
        'commerce.order.PaymentCompleted',
        'order-events-commerce.order.PaymentCompleted',
      ],
      ['PAYMENT_FAILED', 'order-events', 'commerce.order.PaymentFailed', 'order-events-commerce.order.PaymentFailed'],
    ]);
    for (const entry of CATALOGUE.entries) {
      expect(entry.topic).toBe(AGGREGATE_TOPICS[entry.aggregateType]);
      expect(entry.schemaString).toBe(JSON.stringify(JSON.parse(readFileSync(entry.file, 'utf8'))));
    }
  });

  it('gives every record the envelope fields first and a doc on every field', () => {
    for (const entry of CATALOGUE.entries) {
      expect(entry.schema.fields.slice(0, 6).map((field) => field.name)).toEqual([
        'eventId',
        'eventType',
        'aggregateType',
        'aggregateId',
        'occurredAt',
        'schemaVersion',
      ]);
      const fields = [...entry.schema.fields];
      for (const field of entry.schema.fields) {
        const items = (field.type as { items?: { fields?: typeof fields } }).items;
        if (items?.fields) fields.push(...items.fields);
      }
      for (const field of fields)
        expect({ field: field.name, doc: typeof field.doc }).toEqual({ field: field.name, doc: 'string' });
    }
  });

  it('looks entries up by event type and refuses an unknown one', () => {
    expect(catalogueEntry('PAYMENT_FAILED').name).toBe('PaymentFailed');
    expect(() => catalogueEntry('NOPE' as 'PAYMENT_FAILED')).toThrow(CatalogueError);
  });

  describe('fails fast when schema files disagree with the catalogue', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'events-schemas-'));
      cpSync(SCHEMAS_DIR, dir, { recursive: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const edit = (file: string, change: (schema: Record<string, unknown>) => void): void => {
      const path = join(dir, file);
      const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      change(schema);
      writeFileSync(path, JSON.stringify(schema));
    };

    it('loads an unchanged copy', () => {
      expect(loadCatalogue(dir).entries).toHaveLength(EVENT_DEFINITIONS.length);
    });

    it('a wrong namespace', () => {
      edit('catalog/ProductLiked.avsc', (schema) => (schema.namespace = 'commerce.order'));
      expect(() => loadCatalogue(dir)).toThrow(/ProductLiked\.avsc: namespace is commerce\.order/);
    });

    it('a wrong record name', () => {
      edit('order/CouponUsed.avsc', (schema) => (schema.name = 'CouponRedeemed'));
      expect(() => loadCatalogue(dir)).toThrow(/record name is CouponRedeemed/);
    });

    it('envelope fields missing or out of order', () => {
      edit('order/PaymentCompleted.avsc', (schema) => {
        const fields = schema.fields as unknown[];
        [fields[0], fields[1]] = [fields[1], fields[0]];
      });
      expect(() => loadCatalogue(dir)).toThrow(/field 0 must be eventId/);
    });

    it('a missing schema file', () => {
      unlinkSync(join(dir, 'order', 'PaymentFailed.avsc'));
      expect(() => loadCatalogue(dir)).toThrow(/schema file of PAYMENT_FAILED is missing/);
    });

    it('a schema file without a catalogue entry', () => {
      cpSync(join(dir, 'catalog', 'ProductLiked.avsc'), join(dir, 'catalog', 'ProductShared.avsc'));
      expect(() => loadCatalogue(dir)).toThrow(/ProductShared\.avsc: schema file without a catalogue entry/);
    });

    it('an event type listed twice', () => {
      const twice: EventDefinition[] = [...EVENT_DEFINITIONS, { ...EVENT_DEFINITIONS[0], name: 'ProductUnliked' }];
      expect(() => loadCatalogue(dir, twice)).toThrow(/eventType PRODUCT_LIKED is listed twice/);
    });

    it('an invalid Avro schema', () => {
      edit('catalog/StockDecreased.avsc', (schema) =>
        (schema.fields as unknown[]).push({ name: 'x', type: 'integer' }),
      );
      expect(() => loadCatalogue(dir)).toThrow(/StockDecreased\.avsc: invalid Avro schema/);
    });
  });
});
