import { ApiError } from './errors';

/**
 * The largest amount or quantity an event carries: the event schemas declare them Avro `int`
 * (32-bit signed), and the database columns INTEGER. Wider values are refused, never widened.
 */
export const EVENT_INT_MAX = 2_147_483_647;

/** How an order's limit reads in the OpenAPI document and in a refusal. */
export const ORDER_AMOUNT_LIMIT = `each line (unitPrice × quantity) and the subtotal (their sum, before any coupon) must not exceed ${EVENT_INT_MAX}, the largest amount the order's events carry (a 32-bit integer)`;

export interface PricedLine {
  /** The line's position in the request (items[index]). */
  index: number;
  quantity: number;
  unitPrice: number;
}

/**
 * The order's subtotal, or a 422 AMOUNT_OUT_OF_RANGE when a line or the subtotal does not fit
 * an event. The discount, the total and the payment never exceed the subtotal, so they fit
 * too. Exact in a JS number: INTEGER prices, at most 1000 units and 50 lines keep a subtotal
 * far below 2^53.
 */
export function checkedSubtotal(lines: PricedLine[]): number {
  let subtotal = 0;
  for (const line of lines) {
    const amount = line.quantity * line.unitPrice;
    refuseAbove(`items[${line.index}]`, amount);
    subtotal += amount;
  }
  refuseAbove('subtotal', subtotal);
  return subtotal;
}

function refuseAbove(field: string, value: number): void {
  if (value <= EVENT_INT_MAX) return;
  throw new ApiError('AMOUNT_OUT_OF_RANGE', `the order's ${field} amount would be ${value}: ${ORDER_AMOUNT_LIMIT}`, {
    field,
    value,
    limit: EVENT_INT_MAX,
  });
}
