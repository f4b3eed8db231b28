// Builds the lead-list SELECT for one filter combination: dialect-neutral SQL with `?` placeholders, plus a cache key.
import type { LeadFilter, LeadSort } from './repository';

/** Sort name → column. Every column but probability is NOT NULL. */
const SORT_COLUMNS: Record<string, string> = { score: 'score_key', probability: 'probability', lastSeen: 'last_seen', createdAt: 'created_at' };

export type LeadQuery = {
  /** Same key ⇔ same SQL text: callers cache prepared statements under it. */
  key: string;
  /** SQL after `SELECT <columns> FROM leads` (WHERE … ORDER BY … LIMIT ?). */
  sql: string;
  params: unknown[];
};

/** `%`, `_` and the escape character itself are literal in a search. */
export function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/**
 * Every condition names its column directly (`site = ?`, never `? IS NULL OR site = ?`) so the planner can use
 * the (site, …) indexes; the statement differs per filter combination, hence the key.
 */
export function buildLeadQuery(filter: LeadFilter): LeadQuery {
  const sort: LeadSort = filter.sort ?? '-createdAt';
  const desc = sort.startsWith('-');
  const column = SORT_COLUMNS[desc ? sort.slice(1) : sort];
  const nullable = column === 'probability';
  const where: string[] = [];
  const params: unknown[] = [];
  const key: string[] = [sort];

  if (filter.site !== undefined) {
    where.push('site = ?');
    params.push(filter.site);
    key.push('site');
  }
  if (filter.stage !== undefined) {
    where.push('stage = ?');
    params.push(filter.stage);
    key.push('stage');
  }
  if (filter.grades !== undefined) {
    // An empty list matches nothing, like an IN over no values.
    where.push(filter.grades.length ? `grade IN (${filter.grades.map(() => '?').join(', ')})` : '1 = 0');
    params.push(...filter.grades);
    key.push(`grades${filter.grades.length}`);
  }
  if (filter.minScoreKeys !== undefined) {
    const bounds = filter.minScoreKeys;
    if (filter.site !== undefined && bounds.length === 1 && bounds[0].site === filter.site) {
      where.push('score_key >= ?'); // the common case: one site, a plain range on the (site, score_key) index
      params.push(bounds[0].key);
      key.push('min1');
    } else {
      where.push(bounds.length ? `(${bounds.map(() => '(site = ? AND score_key >= ?)').join(' OR ')})` : '1 = 0');
      for (const b of bounds) params.push(b.site, b.key);
      key.push(`minN${bounds.length}`);
    }
  }
  if (filter.q !== undefined && filter.q !== '') {
    const pattern = likePattern(filter.q);
    where.push(`(lower(email) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\' OR lower(company) LIKE ? ESCAPE '\\')`);
    params.push(pattern, pattern, pattern);
    key.push('q');
  }
  if (filter.after !== undefined) {
    const { value, id } = filter.after;
    const lt = desc ? '<' : '>';
    const le = desc ? '<=' : '>=';
    if (nullable && value === null) {
      // Already inside the trailing NULL block: only NULL rows further along by id.
      where.push(`${column} IS NULL AND id ${lt} ?`);
      params.push(id);
      key.push('afterNull');
    } else {
      // `col <= v` first so the planner gets an index range; `OR col IS NULL` keeps the NULL block after the values.
      const range = `${column} ${le} ? AND (${column} ${lt} ? OR id ${lt} ?)`;
      where.push(nullable ? `(${column} IS NULL OR (${range}))` : range);
      params.push(value, value, id);
      key.push('after');
    }
  }

  const direction = desc ? 'DESC' : 'ASC';
  const order = `ORDER BY ${column} ${direction}${nullable ? ' NULLS LAST' : ''}, id ${direction}`;
  const sql = `${where.length ? `WHERE ${where.join(' AND ')} ` : ''}${order} LIMIT ?`;
  params.push(Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 1000));
  return { key: key.join('|'), sql, params };
}
