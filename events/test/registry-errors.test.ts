import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventCodec, EventDecodeError, RegistryUnavailableError } from '../src';

/**
 * What the codec makes of each registry answer: an answer about the schema
 * id is a property of the record (EventDecodeError: the consumer parks it); no answer, or the
 * registry failing, is a property of the moment (RegistryUnavailableError: the consumer waits).
 * The registry here is a small HTTP server that answers what a real one can answer.
 */
describe('registry failures while decoding', () => {
  let server: Server;
  let answer: { status: number; body: string } = { status: 200, body: '{}' };
  let url = '';
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const wire = (schemaId: number) => {
    const bytes = Buffer.from([0, 0, 0, 0, 0, 2, 4]);
    bytes.writeInt32BE(schemaId, 1);
    return bytes;
  };
  const decodeWith = (status: number, body: string, schemaId: number) => {
    answer = { status, body };
    return new EventCodec(url).decode(wire(schemaId));
  };

  it('a schema the client cannot read (no HTTP status on the error) is unreadable-schema: parked, not retried forever', async () => {
    const error = await decodeWith(200, JSON.stringify({ schema: '{"type": "record", broken' }), 7).catch((e) => e);
    expect(error).toBeInstanceOf(EventDecodeError);
    expect(error).toMatchObject({ reason: 'unreadable-schema', schemaId: 7 });
  });

  it('an unknown id (404) is unknown-schema', async () => {
    const error = await decodeWith(404, JSON.stringify({ error_code: 40403, message: 'Schema not found' }), 8).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ name: 'EventDecodeError', reason: 'unknown-schema' });
  });

  it.each([
    ['an empty body', ''],
    ['another error code', JSON.stringify({ error_code: 40401, message: 'Subject not found' })],
    ['a web server', '<html><body>Not Found</body></html>'],
  ])('a 404 with %s is no answer about the id: the consumer waits, told the URL', async (_what, body) => {
    const error = await decodeWith(404, body, 11).catch((e) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error.message).toContain(`GET ${url}/schemas/ids/11`);
  });

  it('a 200 that is no schema answer (a page served for any path) is a wait too', async () => {
    const error = await decodeWith(200, '<html>welcome</html>', 12).catch((e) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error.message).toContain(`GET ${url}/schemas/ids/12`);
  });

  it.each([500, 503, 429])('a registry answering %i is unavailable: the consumer waits', async (status) => {
    const error = await decodeWith(status, JSON.stringify({ message: 'busy' }), 9).catch((e) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
  });

  it('a registry that does not answer (connection refused) is unavailable', async () => {
    const error = await new EventCodec('http://127.0.0.1:1').decode(wire(10)).catch((e) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
  });
});
