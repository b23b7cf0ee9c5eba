import { freePort } from '@outbox/e2e';
import { kafkajsLogCreator, loggerOptions } from '@outbox/telemetry';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';

/**
 * The service's kafkajs client writes through its pino logger (wiring.ts): what a real kafkajs
 * client emits comes out as the service's other lines do. No broker needed: kafkajs logs a refusal.
 */
describe('kafkajs lines of the streamer', () => {
  it("have pino's shape: numeric level, time, msg, the service, kafkajs's namespace, no timestamp", async () => {
    const lines: string[] = [];
    const log = pino(
      { ...loggerOptions('info'), base: { service: 'streamer' } },
      { write: (line: string) => void lines.push(line.trimEnd()) },
    );
    const kafka = new Kafka({
      clientId: 'kafkajs-logs-test',
      brokers: [`127.0.0.1:${await freePort()}`], // nothing listens there
      logLevel: logLevel.ERROR,
      logCreator: kafkajsLogCreator(log),
      connectionTimeout: 500,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await expect(admin.connect()).rejects.toThrow();
    await admin.disconnect();

    expect(lines.length).toBeGreaterThan(0);
    for (const raw of lines) {
      const line = JSON.parse(raw) as Record<string, unknown>;
      expect(line).toMatchObject({
        level: 50,
        time: expect.any(Number),
        msg: expect.any(String),
        service: 'streamer',
        namespace: expect.any(String),
        logger: 'kafkajs',
      });
      expect(line).not.toHaveProperty('timestamp');
      expect(line).not.toHaveProperty('message');
    }
    expect(lines.some((l) => (JSON.parse(l) as { msg: string }).msg.includes('ECONNREFUSED'))).toBe(true);
  });
});
