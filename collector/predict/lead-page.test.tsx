import { describe, expect, it } from 'vitest';
import { CSRF, detailWith, USER } from '../dashboard/fixtures';
import { LeadPage } from '../dashboard/pages/lead';

const render = (node: unknown) => String(node);
const ctx = { user: USER, csrf: CSRF };

describe('the lead page shows the probability with its reasons', () => {
  it('lists the reasons in words, as inert text', () => {
    const detail = {
      ...detailWith('x', { probability: 0.73 }),
      explain: [
        { feature: 'pricing_views', label: 'visits to pricing pages', effect: 1.2, direction: 'up' as const, text: 'Visited pricing pages 4 times — raises the likelihood' },
        { feature: 'free_email', label: 'free email address', effect: -0.4, direction: 'down' as const, text: '<b>Uses a free email address</b> — lowers the likelihood' },
      ],
    };
    const html = render(<LeadPage {...ctx} detail={detail} />);
    expect(html).toContain('Likelihood of becoming sales-qualified');
    expect(html).toContain('73%');
    expect(html).toContain('▲ Visited pricing pages 4 times — raises the likelihood');
    expect(html).toContain('▼ &lt;b&gt;Uses a free email address&lt;/b&gt; — lowers the likelihood');
  });

  it('says how to get a probability when the site has no model', () => {
    const html = render(<LeadPage {...ctx} detail={detailWith('x', { probability: null })} />);
    expect(html).toContain('No predictive model yet for this site');
  });
});
