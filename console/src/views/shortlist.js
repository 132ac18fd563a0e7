/** The replay shortlist: groups of sessions that struggled the same way, each with its reason. */

import { fill, h, hidden } from '../dom.js';
import { count, dateTime, decimal, kindLabel } from '../format.js';
import { SHORTLIST } from '../queries.js';

function replayLink(session, text) {
  return h('a', { href: `#/replay/${encodeURIComponent(session.id)}` }, text);
}

export async function renderShortlist(ctx, main) {
  const { replayShortlist: groups } = await ctx.api.query(SHORTLIST, {
    siteId: ctx.siteId,
    range: ctx.range,
  });
  fill(
    main,
    h('h1', {}, 'Replay shortlist'),
    h(
      'p',
      { class: 'lede' },
      `Sessions of ${ctx.range.from} to ${ctx.range.to} that struggled the same way, grouped by page, ` +
        'element and signals; the most worth watching first.',
    ),
    groups.length
      ? h(
          'ol',
          { class: 'groups', id: 'shortlist' },
          groups.map((g, i) =>
            h(
              'li',
              { class: 'card group', dataset: { size: String(g.size), template: g.template } },
              h(
                'h2',
                { id: `group-${i}` },
                h(
                  'span',
                  { class: 'size' },
                  `${count(g.size)} ${g.size === 1 ? 'session' : 'sessions'}`,
                ),
                ' · ',
                g.pattern.map(kindLabel).join(', '),
              ),
              h('p', { class: 'reason' }, g.reason),
              h(
                'dl',
                { class: 'facts' },
                h(
                  'div',
                  {},
                  h('dt', {}, 'Page'),
                  h(
                    'dd',
                    {},
                    h('a', { href: `#/pages/${encodeURIComponent(g.template)}` }, g.template),
                  ),
                ),
                h(
                  'div',
                  {},
                  h('dt', {}, 'Element'),
                  h('dd', {}, g.element ? h('code', {}, g.element) : 'the page'),
                ),
              ),
              h(
                'p',
                {},
                replayLink(g.representative, [
                  'Watch the most telling session',
                  hidden(` of group ${i + 1}`),
                ]),
                ` (score ${decimal(g.representative.score, 1)})`,
              ),
              g.sessions.length > 1
                ? h(
                    'details',
                    {},
                    h(
                      'summary',
                      {},
                      `Other sessions in this group (${g.sessions.length - 1} shown)`,
                    ),
                    h(
                      'ul',
                      {},
                      g.sessions
                        .filter((s) => s.id !== g.representative.id)
                        .map((s) =>
                          h(
                            'li',
                            {},
                            replayLink(s, dateTime(s.startedAt)),
                            ` · ${s.device || 'unknown device'} · score ${decimal(s.score, 1)}`,
                          ),
                        ),
                    ),
                  )
                : null,
            ),
          ),
        )
      : h('p', { id: 'shortlist-empty' }, 'No session with signals in this range.'),
  );
}
