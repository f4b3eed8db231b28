// The API's service layer in one import, for the dashboard and other in-process callers (no HTTP in between).
export type { ApiContext, Principal } from './context';
export {
  parseLeadsQuery,
  listLeads,
  getLeadDetail,
  moveLead,
  leadsCsv,
  exportLead,
  eraseLead,
  mintLeadLinks,
  CSV_COLUMNS,
  LEAD_EVENTS_LIMIT,
  type LeadsQuery,
  type LeadDetail,
  type LeadExport,
  type EventJson,
  type StageChangeJson,
} from './leads';
export { parseFunnelQuery, getFunnel, FUNNEL_STEPS, type Funnel, type FunnelQuery } from './funnel';
export {
  listSites,
  createSite,
  updateSite,
  getSiteRules,
  putSiteRules,
  createWebhook,
  listWebhooks,
  deleteWebhook,
  listWebhookDeliveries,
  createToken,
  listTokens,
  deleteToken,
  type SiteJson,
  type WebhookJson,
  type DeliveryJson,
  type TokenJson,
} from './admin';
export { csvCell, csvRow } from './csv';
