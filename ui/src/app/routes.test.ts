// Hash route tests: parsing each page and round-tripping the link builders.
import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './routes';

describe('routes', () => {
  it('parses every page', () => {
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/')).toEqual({ page: 'overview' });
    expect(parseRoute('#/runs')).toEqual({ page: 'runs', filter: '' });
    expect(parseRoute('#/models')).toEqual({ page: 'models', name: null });
    expect(parseRoute('#/evals')).toEqual({ page: 'evals', id: null });
    expect(parseRoute('#/abtests')).toEqual({ page: 'abtests' });
    expect(parseRoute('#/monitoring')).toEqual({ page: 'monitoring' });
    expect(parseRoute('#/settings')).toEqual({ page: 'settings' });
    expect(parseRoute('#/nope/x')).toEqual({ page: 'notfound', path: '/nope/x' });
  });

  it('round-trips the link builders', () => {
    const filter = "metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o'";
    expect(parseRoute(href.runs(filter))).toEqual({ page: 'runs', filter });
    expect(parseRoute(href.run('r/1'))).toEqual({ page: 'run', id: 'r/1' });
    expect(parseRoute(href.compare(['a', 'b', 'c']))).toEqual({ page: 'compare', ids: ['a', 'b', 'c'] });
    expect(parseRoute(href.model('checkout agent'))).toEqual({ page: 'models', name: 'checkout agent' });
    expect(parseRoute(href.evaluation('e1'))).toEqual({ page: 'evals', id: 'e1' });
  });
});
