import type { CommerceClient } from '@outbox/db';
import { newEvent } from '@outbox/events';
import { productEntry, productListEntry, type ProductCache } from '../cache/product-cache';
import { outboxSlots, VIEW, type HotWriteResult } from '../db/hot-writes';
import { ApiError } from '../errors';
import type { OutboxRow, OutboxWriter } from '../outbox/outbox-writer';

export interface ProductDto {
  id: string;
  name: string;
  price: number;
  stock: number;
  createdAt: string;
  updatedAt: string;
}

export const PRODUCT_SORTS = ['newest', 'price_asc', 'price_desc', 'name'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

export interface ProductPage {
  items: ProductDto[];
  page: number;
  size: number;
  sort: ProductSort;
}

const ORDER_BY = {
  newest: [{ createdAt: 'desc' }, { id: 'asc' }],
  price_asc: [{ price: 'asc' }, { id: 'asc' }],
  price_desc: [{ price: 'desc' }, { id: 'asc' }],
  name: [{ name: 'asc' }, { id: 'asc' }],
} as const;

function toDto(p: {
  id: string;
  name: string;
  price: number;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
}): ProductDto {
  return {
    id: p.id,
    name: p.name,
    price: p.price,
    stock: p.stock,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export class ProductService {
  constructor(
    private readonly db: CommerceClient,
    private readonly outbox: OutboxWriter,
    private readonly cache: ProductCache,
  ) {}

  async create(input: { name: string; price: number; stock: number }): Promise<ProductDto> {
    const product = toDto(await this.db.product.create({ data: input }));
    // No event for a new product (none in the catalogue); a new product changes the lists.
    await this.cache.dropLists();
    return product;
  }

  async get(id: string): Promise<{ product: ProductDto; cached: boolean }> {
    const { value, hit } = await this.cache.getOrLoad(productEntry(id), async () => {
      const row = await this.db.product.findUnique({ where: { id } });
      return row ? toDto(row) : undefined;
    });
    if (!value) throw new ApiError('PRODUCT_NOT_FOUND', `product ${id} does not exist`, { productId: id });
    return { product: value, cached: hit };
  }

  /** Products in stock, one page (page starts at 1). */
  async list(page: number, size: number, sort: ProductSort): Promise<{ page: ProductPage; cached: boolean }> {
    const { value, hit } = await this.cache.getOrLoad(productListEntry(sort, page, size), async () => {
      const rows = await this.db.product.findMany({
        where: { stock: { gt: 0 } },
        orderBy: [...ORDER_BY[sort]],
        skip: (page - 1) * size,
        take: size,
      });
      return { items: rows.map(toDto), page, size, sort };
    });
    return { page: value as ProductPage, cached: hit };
  }

  /** Records a view and its PRODUCT_VIEWED event: ONE statement (db/hot-writes.ts), one round trip. */
  async view(productId: string, memberId: string | undefined): Promise<{ viewId: string }> {
    const event = newEvent('PRODUCT_VIEWED', productId, { memberId: memberId ?? null });
    const result = await this.outbox.write([event], async (rows) => {
      const [r] = await this.db.$queryRaw<(HotWriteResult & { view_id: string | null })[]>(
        VIEW.bind({ productId, memberId: memberId ?? null, ...outboxSlots(rows[0] as OutboxRow) }),
      );
      if (!r) throw new Error('view: the statement returned no row');
      return { result: r, rowsWritten: r.written };
    });
    if (result.found === 0 || result.view_id === null) {
      throw new ApiError('PRODUCT_NOT_FOUND', `product ${productId} does not exist`, { productId });
    }
    return { viewId: result.view_id };
  }
}
