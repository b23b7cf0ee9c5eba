-- A dead letter Kafka refuses for good (e.g. larger than the DLQ topic accepts) keeps its row and
-- its reason here; the publisher goes on with the next rows instead of retrying it forever.
ALTER TABLE "dead_letter" ADD COLUMN "publish_error" TEXT;

-- Rows parked by earlier versions although their event was applied (they parked valid records
-- behind a head even when the inbox had them): releasing them must not apply them again.
UPDATE "dead_letter" AS d
SET "status" = 'replayed',
    "error" = d."error" || ' [migration 20261203000001: already applied according to the inbox]'
WHERE d."status" = 'new' AND d."event_id" IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM "event_handled" e WHERE e."consumer_group" = d."consumer_group" AND e."event_id" = d."event_id");

DROP INDEX "dead_letter_unpublished_idx";
CREATE INDEX "dead_letter_unpublished_idx" ON "dead_letter"("id") WHERE "published_at" IS NULL AND "publish_error" IS NULL;
