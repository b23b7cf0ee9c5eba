import { inTransaction, type CommerceClient } from '@outbox/db';
import { newEvent } from '@outbox/events';
import { productEntry, productListEntry, type ProductCache } from '../cache/product-cache';
import { ApiError } from '../errors';
import type { OutboxWriter, Tx } from '../outbox/outbox-writer';

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

/** Throws PRODUCT_NOT_FOUND unless the product exists (inside the caller's transaction; raw SQL, as every product write runs it). */
export async function requireProduct(tx: Tx, id: string): Promise<void> {
  const found = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM products WHERE id = ${id}::uuid`;
  if (found.length === 0) throw new ApiError('PRODUCT_NOT_FOUND', `product ${id} does not exist`, { productId: id });
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

  /** Records a view and its PRODUCT_VIEWED event in one transaction (raw SQL: a hot write route, like likes). */
  async view(productId: string, memberId: string | undefined): Promise<{ viewId: string }> {
    return inTransaction(this.db, async (tx) => {
      await requireProduct(tx, productId);
      const [view] = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO product_views (product_id, member_id) VALUES (${productId}::uuid, ${memberId ?? null})
        RETURNING id::text AS id`;
      if (!view) throw new Error('INSERT ... RETURNING gave no row');
      await this.outbox.write(tx, [newEvent('PRODUCT_VIEWED', productId, { memberId: memberId ?? null })]);
      return { viewId: view.id };
    });
  }
}
