// Opaque keyset cursors for the lead list: base64url JSON of (sort, last value, last id), validated on the way back.
import { z } from 'zod';
import { ApiError } from '../errors';
import { LEAD_SORTS, type Lead, type LeadCursor, type LeadSort } from '../db/repository';

const CursorSchema = z.object({ s: z.enum(LEAD_SORTS), v: z.number().nullable(), id: z.string().min(1).max(64) }).strict();

/** The sort column's value of a lead, as the keyset compares it. */
export function sortValue(lead: Lead, sort: LeadSort): number | null {
  switch (sort.replace('-', '')) {
    case 'score':
      return lead.scoreKey;
    case 'probability':
      return lead.probability;
    case 'lastSeen':
      return lead.lastSeen;
    default:
      return lead.createdAt;
  }
}

export function encodeCursor(sort: LeadSort, lead: Lead): string {
  return Buffer.from(JSON.stringify({ s: sort, v: sortValue(lead, sort), id: lead.id })).toString('base64url');
}

/**
 * The position a cursor names; 400 (`path: cursor`) when it was not made by `encodeCursor` for this same sort —
 * a cursor is only meaningful in the order that produced it.
 */
export function decodeCursor(cursor: string, sort: LeadSort): LeadCursor {
  const invalid = () => new ApiError(400, 'bad_request', 'cursor: not a cursor this API returned for this sort', 'cursor');
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw invalid();
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = CursorSchema.safeParse(data);
  if (!parsed.success || parsed.data.s !== sort) throw invalid();
  // Only probability is nullable: a null elsewhere would be a forged cursor.
  if (parsed.data.v === null && !sort.endsWith('probability')) throw invalid();
  return { value: parsed.data.v, id: parsed.data.id };
}
