import { show } from './describe';
import type { ValidationIssue } from './errors';
import type { CommerceEvent } from './generated/event-types';
import { isCanonicalUuid } from './identity';

/**
 * What the schema cannot say but every event of the catalogue promises (docs/events.md):
 * identifiers are canonical UUIDs, quantities are positive, stock and amounts are never
 * negative. Producers check it before encoding; consumers treat a violation as poison.
 */
export function contractIssues(event: CommerceEvent): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const uuid = (path: string, value: string) => {
    if (!isCanonicalUuid(value)) issues.push({ path, message: `expected a lower-case UUID, got ${show(value)}` });
  };
  const positive = (path: string, value: number) => {
    if (!(value > 0)) issues.push({ path, message: `expected a positive quantity, got ${show(value)}` });
  };
  const notNegative = (path: string, value: number) => {
    if (!(value >= 0)) issues.push({ path, message: `expected zero or more, got ${show(value)}` });
  };

  uuid('eventId', event.eventId);
  uuid('aggregateId', event.aggregateId);
  switch (event.eventType) {
    case 'STOCK_DECREASED':
    case 'STOCK_INCREASED':
      positive('quantity', event.quantity);
      notNegative('remainingStock', event.remainingStock);
      uuid('orderId', event.orderId);
      break;
    case 'PRODUCT_METRICS_SNAPSHOT':
      notNegative('likes', event.likes);
      notNegative('views', event.views);
      notNegative('sales', event.sales);
      if (event.mode !== 'VERIFY' && event.mode !== 'REPAIR')
        issues.push({ path: 'mode', message: `expected VERIFY or REPAIR, got ${show(event.mode)}` });
      uuid('reconcileId', event.reconcileId);
      break;
    case 'ORDER_CREATED':
      event.items.forEach((item, i) => {
        uuid(`items[${i}].productId`, item.productId);
        positive(`items[${i}].quantity`, item.quantity);
        notNegative(`items[${i}].unitPrice`, item.unitPrice);
      });
      notNegative('totalAmount', event.totalAmount);
      break;
    case 'COUPON_USED':
      uuid('couponId', event.couponId);
      notNegative('discount', event.discount);
      break;
    case 'PAYMENT_COMPLETED':
      notNegative('amount', event.amount);
      break;
    case 'PAYMENT_FAILED':
      event.items.forEach((item, i) => {
        uuid(`items[${i}].productId`, item.productId);
        positive(`items[${i}].quantity`, item.quantity);
      });
      break;
    default:
      break;
  }
  return issues;
}
