import { endpointsOf, loadStackConfig } from '@outbox/config';
import { Client } from 'pg';
import { databaseFailureOf } from '../src';

/** The one reader of database errors, on errors the real drivers throw and on the adapter's shapes. */
describe('databaseFailureOf', () => {
  it('reads the SQLSTATE of a real server error from the bare pg driver, also when wrapped', async () => {
    const client = new Client({ connectionString: endpointsOf(loadStackConfig(), 'tester').postgresUrl('streamer') });
    await client.connect();
    const err = await client.query('SELECT 1/0').catch((e: unknown) => e);
    await client.end();
    expect(databaseFailureOf(err)).toEqual({ sqlState: '22012' });
    expect(databaseFailureOf(new Error('outer', { cause: err }))).toEqual({ sqlState: '22012' });
  });

  it('reads the adapter cause of a Prisma error: kind, SQLSTATE, unique index, Prisma code', () => {
    const prismaError = (code: string, cause: object) =>
      Object.assign(new Error('prisma'), {
        name: 'PrismaClientKnownRequestError',
        code,
        meta: { driverAdapterError: { name: 'DriverAdapterError', cause } },
      });
    expect(databaseFailureOf(prismaError('P2010', { kind: 'postgres', code: '55P03' }))).toEqual({
      kind: 'postgres',
      sqlState: '55P03',
      constraintIndex: undefined,
      prismaCode: 'P2010',
    });
    expect(
      databaseFailureOf(
        prismaError('P2002', { kind: 'UniqueConstraintViolation', originalCode: '23505', constraint: { index: 'k' } }),
      ),
    ).toMatchObject({ kind: 'UniqueConstraintViolation', sqlState: '23505', constraintIndex: 'k' });
    expect(databaseFailureOf(Object.assign(new Error('x'), { name: 'PrismaClientInitializationError' }))).toEqual({
      prismaCode: undefined,
    });
  });

  it('is undefined for anything else', () => {
    expect(databaseFailureOf(new Error('Connection is closed.'))).toBeUndefined();
    expect(databaseFailureOf(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(databaseFailureOf('a string')).toBeUndefined();
  });
});
