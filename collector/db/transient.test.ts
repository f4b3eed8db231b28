// Which database errors are answered 503 (retry later) instead of 500: both dialects' codes, socket and pool errors.
import { describe, expect, it } from 'vitest';
import { isTransientDbError } from './transient';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isTransientDbError', () => {
  it.each(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE'])('SQLite %s is transient', (code) => {
    expect(isTransientDbError(withCode(code))).toBe(true);
  });

  it.each([
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
    ['57P01', 'terminated by an administrator'],
    ['57P03', 'server starting'],
    ['53300', 'too many connections'],
    ['08006', 'connection failure'],
  ])('PostgreSQL %s (%s) is transient', (code) => {
    expect(isTransientDbError(withCode(code))).toBe(true);
  });

  it('a refused or reset socket, a lost connection and a pool wait that timed out are transient', () => {
    expect(isTransientDbError(withCode('ECONNREFUSED'))).toBe(true);
    expect(isTransientDbError(withCode('ECONNRESET'))).toBe(true);
    expect(isTransientDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientDbError(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isTransientDbError(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]))).toBe(true);
  });

  it('a wrong query, a constraint, a bug or a non-error is not', () => {
    expect(isTransientDbError(withCode('SQLITE_CONSTRAINT_PRIMARYKEY'))).toBe(false);
    expect(isTransientDbError(withCode('SQLITE_ERROR'))).toBe(false);
    expect(isTransientDbError(withCode('23505', 'duplicate key'))).toBe(false);
    expect(isTransientDbError(withCode('42P01', 'relation does not exist'))).toBe(false);
    expect(isTransientDbError(withCode('22021', 'invalid byte sequence'))).toBe(false);
    expect(isTransientDbError(new TypeError('Cannot read properties of undefined'))).toBe(false);
    expect(isTransientDbError({ code: 'SQLITE_BUSY' })).toBe(false);
    expect(isTransientDbError(undefined)).toBe(false);
  });
});
