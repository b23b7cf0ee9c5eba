-- A product snapshot (npm run reconcile) counts a product's likes and sold units: without these,
-- each count scanned the whole table (the primary keys lead with the member and the order).
-- CreateIndex
CREATE INDEX "product_likes_product_id_idx" ON "product_likes"("product_id");

-- CreateIndex
CREATE INDEX "order_items_product_id_idx" ON "order_items"("product_id");
