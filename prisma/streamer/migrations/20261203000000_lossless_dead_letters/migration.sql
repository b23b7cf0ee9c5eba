-- Lossless dead letters (SPEC 5.5): a parked record keeps any bytes of its key and headers.
-- PostgreSQL cannot store a NUL byte in text or jsonb, so the key becomes bytea and each header
-- is kept as base64 of its name and value bytes ([{"name": b64, "value": b64 | null}], in order).
ALTER TABLE "dead_letter" ALTER COLUMN "message_key" TYPE BYTEA USING convert_to("message_key", 'UTF8');

ALTER TABLE "dead_letter" RENAME COLUMN "headers" TO "headers_text";
ALTER TABLE "dead_letter" ADD COLUMN "headers" JSONB NOT NULL DEFAULT '[]'::jsonb;
UPDATE "dead_letter" AS d SET "headers" = (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
        'name', encode(convert_to(h.key, 'UTF8'), 'base64'),
        'value', encode(convert_to(h.value, 'UTF8'), 'base64'))), '[]'::jsonb)
    FROM jsonb_each_text(d."headers_text") AS h);
ALTER TABLE "dead_letter" ALTER COLUMN "headers" DROP DEFAULT;
ALTER TABLE "dead_letter" DROP COLUMN "headers_text";

-- The event id is a uuid when the record decoded (or carried a uuid `id` header), else NULL.
ALTER TABLE "dead_letter" ALTER COLUMN "event_id" TYPE UUID USING (
    CASE WHEN "event_id" ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN "event_id"::uuid END);

-- The table is the source of truth; the record goes to <topic>.dlq once, after the row commits.
ALTER TABLE "dead_letter" ADD COLUMN "published_at" TIMESTAMPTZ(6);
UPDATE "dead_letter" SET "published_at" = "created_at";

-- An aggregate's queue is ordered by (topic, partition, offset).
DROP INDEX "dead_letter_consumer_group_aggregate_id_status_idx";
CREATE INDEX "dead_letter_queue_idx" ON "dead_letter"("consumer_group", "aggregate_id", "status", "topic", "partition", "offset");
CREATE INDEX "dead_letter_unpublished_idx" ON "dead_letter"("id") WHERE "published_at" IS NULL;
CREATE INDEX "dead_letter_event_id_idx" ON "dead_letter"("consumer_group", "event_id") WHERE "status" = 'new';

-- Counter deltas clamped at zero (SPEC 5.9): with correct ordering this stays 0.
ALTER TABLE "product_metrics" ADD COLUMN "clamped" BIGINT NOT NULL DEFAULT 0;
