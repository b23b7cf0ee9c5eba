-- A dead letter's queue is named by a fixed-size digest of its Kafka key's bytes (SHA-256, hex),
-- not by the key as text: a key of any length or bytes must fit the queue index, or parking a
-- record with a long key fails on every retry and holds the partition.
ALTER TABLE "dead_letter" ADD COLUMN "queue_key" TEXT;
UPDATE "dead_letter" SET "queue_key" = encode(sha256("message_key"), 'hex') WHERE "message_key" IS NOT NULL;

DROP INDEX "dead_letter_queue_idx";
CREATE INDEX "dead_letter_queue_idx" ON "dead_letter"("consumer_group", "queue_key", "status", "topic", "partition", "offset");

-- aggregate_id is now only what an operator reads (the key as text, cut to a readable length).
ALTER TABLE "dead_letter" ADD CONSTRAINT "dead_letter_queue_key_check" CHECK ("queue_key" ~ '^[0-9a-f]{64}$');
