-- What each product snapshot found (docs/operations.md#reconcile): the metrics group compares its
-- projection with a PRODUCT_METRICS_SNAPSHOT at the snapshot's point of the product's order, and
-- records the outcome here, in the transaction that claims the snapshot in the inbox.
CREATE TABLE "reconcile_check" (
    "event_id" UUID NOT NULL,
    "consumer_group" TEXT NOT NULL,
    "reconcile_id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "mode" TEXT NOT NULL,
    "expected_likes" BIGINT NOT NULL,
    "expected_views" BIGINT NOT NULL,
    "expected_sales" BIGINT NOT NULL,
    "found_likes" BIGINT NOT NULL,
    "found_views" BIGINT NOT NULL,
    "found_sales" BIGINT NOT NULL,
    "differs" BOOLEAN NOT NULL,
    "repaired" BOOLEAN NOT NULL,
    "checked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reconcile_check_pkey" PRIMARY KEY ("consumer_group", "event_id")
);

CREATE INDEX "reconcile_check_run_idx" ON "reconcile_check"("reconcile_id", "differs");

ALTER TABLE "reconcile_check" ADD CONSTRAINT "reconcile_check_mode_check" CHECK ("mode" IN ('VERIFY', 'REPAIR'));
