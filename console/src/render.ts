import type { StatusComponent, StatusReport } from '@outbox/ops';
import type { DlqEntry, DlqFilter } from './dlq';
import { STATUSES } from './dlq';
import { ratesOf, seriesOf, type Point, type Sample } from './sampler';

export const esc = (value: unknown): string =>
  String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

const MIB = 1024 * 1024;
const mib = (bytes: number | null): string => (bytes === null ? '-' : `${(bytes / MIB).toFixed(2)} MiB`);
const age = (s: number | null): string =>
  s === null
    ? 'none'
    : s < 120
      ? `${s.toFixed(0)} s`
      : s < 7200
        ? `${(s / 60).toFixed(0)} min`
        : `${(s / 3600).toFixed(1)} h`;

type HopState = 'ok' | 'bad' | 'unknown';
interface Hop {
  /** The component the status reasons name (`data-hop`). */
  id: StatusComponent;
  title: string;
  state: HopState;
  lines: string[];
}

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><link rel="stylesheet" href="/assets/console.css"></head>
<body>${body}<script src="/assets/console.js"></script></body></html>`;
}

/** The live part of the page (re-fetched every few seconds by console.js): verdict, diagram, charts. */
export function renderOverview(
  report: StatusReport | undefined,
  error: string | undefined,
  samples: Sample[],
  windowMs: number,
): string {
  if (!report)
    return `<section class="verdict unknown"><h2 id="verdict">UNKNOWN</h2><p>${esc(error ?? 'the first reading of the pipeline is under way')}</p></section>`;
  const verdict = report.verdict === 'healthy' ? 'HEALTHY' : 'DEGRADED';
  const reasons = report.findings.length
    ? `<ul class="reasons">${report.findings
        .map((f) => `<li data-hop="${esc(f.component)}" data-code="${esc(f.code)}">${esc(f.text)}</li>`)
        .join('')}</ul>`
    : '<p>no reason to worry: every check passed</p>';
  const stale = error ? `<p class="warn">the last reading failed (${esc(error)}); showing the one before</p>` : '';
  return `<section class="verdict ${report.verdict}"><h2 id="verdict">${verdict}</h2>
<p class="muted">checked at ${esc(report.checkedAt)}</p>${stale}${reasons}</section>
<section><h2>Pipeline</h2><div class="diagram">${hopsOf(report, samples)
    .map(
      (h, i) =>
        `${i ? '<span class="arrow">&rarr;</span>' : ''}<div class="hop ${h.state}" data-hop="${esc(h.id)}"><h3>${esc(h.title)}</h3>${h.lines.map((l) => `<div>${esc(l)}</div>`).join('')}</div>`,
    )
    .join('')}</div></section>
<section><h2>Last 15 minutes</h2><div class="charts">${charts(samples, windowMs)}</div></section>`;
}

/**
 * The pipeline's hops. A hop is red when a status reason names it as its component, or when its
 * own facts could not be read; the words of the reasons play no part.
 */
function hopsOf(r: StatusReport, samples: Sample[]): Hop[] {
  const named = new Set<StatusComponent>(r.findings.map((f) => f.component));
  const judged = (id: StatusComponent, readable: boolean): HopState => (readable && !named.has(id) ? 'ok' : 'bad');
  const written = ratesOf(samples.slice(-2), (s) => s.written).at(-1)?.value;
  const hops: Hop[] = [];
  hops.push({
    id: 'api',
    title: 'api',
    // The status collector does not probe the api: unknown unless a reason is about it.
    state: named.has('api') ? 'bad' : 'unknown',
    lines: [
      'business rows + outbox row, one transaction',
      `written ${written === undefined ? '-' : written.toFixed(1)}/s`,
    ],
  });
  hops.push({
    id: 'outbox',
    title: 'outbox',
    state: judged('outbox', r.outbox.ok),
    lines: r.outbox.ok
      ? [`~${r.outbox.rows} rows, ${mib(r.outbox.sizeBytes)}`, `oldest row ${age(r.outbox.oldestAgeSeconds)}`]
      : [`unreadable: ${r.outbox.error}`],
  });
  const s = r.replicationSlot;
  hops.push({
    id: 'slot',
    title: 'replication slot',
    state: judged('slot', s.ok),
    lines: !s.ok
      ? [`unreachable: ${s.error}`]
      : !s.exists
        ? [`${s.slotName}: missing`]
        : [
            `${s.slotName}: ${s.active ? 'active' : 'INACTIVE'}`,
            `lag ${mib(s.lagBytes)}`,
            `retained ${mib(s.retainedBytes)}`,
          ],
  });
  const c = r.connector;
  hops.push({
    id: 'connect',
    title: 'Connect task',
    state: judged('connect', c.ok),
    lines: !c.ok
      ? [`unreachable: ${c.error}`]
      : c.state === null
        ? [`${c.name}: not registered`]
        : [`${c.name}: ${c.state}`, ...c.tasks.map((t) => `task ${t.id}: ${t.state} on ${t.workerId}`)],
  });
  hops.push({
    id: 'topics',
    title: 'topics',
    state: judged('topics', r.topics.ok),
    lines: r.topics.ok
      ? r.topics.items.map((t) =>
          t.missing
            ? `${t.topic}: not created`
            : `${t.topic}: ${t.records} records; ends ${t.partitions.map((p) => `${p.partition}:${p.high}`).join(' ')}`,
        )
      : [`unreachable: ${r.topics.error}`],
  });
  hops.push({
    id: 'groups',
    title: 'consumer groups',
    state: judged('groups', r.groups.ok),
    lines: r.groups.ok
      ? [
          ...r.groups.items.map((g) => `${g.groupId}: ${g.state}, ${g.members} member(s), lag ${g.lag}`),
          ...r.stalled.map(
            (p) => `STALLED ${p.groupId} ${p.topic}/${p.partition} at ${p.offset ?? '-'} for ${age(p.stalledSeconds)}`,
          ),
        ]
      : [`unreadable: ${r.groups.error}`],
  });
  const effects: string[] = [];
  if (r.deadLetters.ok) {
    effects.push(`dead letters waiting: ${r.deadLetters.waiting}`);
    for (const d of r.deadLetters.items) effects.push(`  ${d.groupId} ${d.topic}: ${d.waiting}`);
  } else effects.push(`dead letters unreadable: ${r.deadLetters.error}`);
  if (r.clamps.ok) effects.push(`clamped deltas: ${r.clamps.total ?? '-'}`);
  if (r.reconcile.ok && r.reconcile.last) {
    const l = r.reconcile.last;
    effects.push(
      `last reconcile ${l.finishedAt.slice(0, 19).replace('T', ' ')}: ${l.checked} checked, ${l.differing} differ${l.mode === 'REPAIR' ? `, ${l.repaired} repaired` : ''}`,
    );
  } else if (r.reconcile.ok) effects.push('last reconcile: none yet');
  if (r.streamer.ok)
    for (const w of r.streamer.waiting)
      effects.push(`${w.groupId} waits for ${w.dependency} (${w.partitions} partition(s))`);
  else effects.push('streamer /waits unreachable (not judged)');
  hops.push({ id: 'effects', title: 'effects', state: judged('effects', r.deadLetters.ok), lines: effects });
  return hops;
}

const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2'];

function charts(samples: Sample[], windowMs: number): string {
  const groups = [...new Set(samples.flatMap((s) => Object.keys(s.groups)))];
  const throughput = [
    { name: 'written', points: ratesOf(samples, (s) => s.written) },
    { name: 'captured', points: ratesOf(samples, (s) => s.captured) },
    ...groups.map((g) => ({ name: `applied ${g}`, points: ratesOf(samples, (s) => s.groups[g]?.applied) })),
  ];
  const lag = groups.map((g) => ({ name: g, points: seriesOf(samples, (s) => s.groups[g]?.lag) }));
  return chart('events/s', throughput, windowMs) + chart('lag (records) per group', lag, windowMs);
}

/** A small inline SVG line chart over the fixed window ending now. */
export function chart(title: string, series: { name: string; points: Point[] }[], windowMs: number): string {
  const W = 520;
  const H = 160;
  const pad = { l: 44, r: 8, t: 8, b: 20 };
  const end = Date.now();
  const start = end - windowMs;
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.value)));
  const x = (t: number) => pad.l + ((t - start) / windowMs) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  const lines = series
    .map((s, i) =>
      s.points.length === 0
        ? ''
        : `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${s.points
            .filter((p) => p.at >= start)
            .map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`)
            .join(' ')}"/>`,
    )
    .join('');
  const legend = series
    .map((s, i) => {
      const lastValue = s.points.at(-1)?.value;
      return `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(s.name)} ${lastValue === undefined ? '-' : lastValue.toFixed(lastValue < 10 ? 1 : 0)}</span>`;
    })
    .join('');
  const fmt = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(v < 10 ? 1 : 0));
  return `<figure class="chart"><figcaption>${esc(title)}</figcaption>
<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#999"/>
<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#999"/>
<text x="${pad.l - 4}" y="${pad.t + 10}" text-anchor="end">${fmt(max)}</text>
<text x="${pad.l - 4}" y="${H - pad.b}" text-anchor="end">0</text>
<text x="${pad.l}" y="${H - 4}">-15 min</text><text x="${W - pad.r}" y="${H - 4}" text-anchor="end">now</text>
${lines}</svg><div class="legend">${legend}</div></figure>`;
}

export function renderDlq(
  entries: DlqEntry[] | undefined,
  error: string | undefined,
  filter: DlqFilter,
  actionsEnabled: boolean,
): string {
  const option = (v: string) => `<option value="${v}"${filter.status === v ? ' selected' : ''}>${v}</option>`;
  const form = `<form class="filter" method="get" action="/#dlq">
<label>status <select name="status">${STATUSES.map(option).join('')}</select></label>
<label>group <input name="group" value="${esc(filter.group)}" maxlength="200"></label>
<label>aggregate <input name="aggregate" value="${esc(filter.aggregate)}" maxlength="200"></label>
<button type="submit">filter</button></form>`;
  const notice = actionsEnabled
    ? '<p class="muted">Replay and discard act on the head of a queue only, and need the console token.</p>'
    : '<p class="warn" id="actions-disabled">Actions are disabled: CONSOLE_TOKEN is not configured on the server. Viewing needs nothing.</p>';
  if (!entries) return `${form}${notice}<p class="warn">dead letters unreadable: ${esc(error)}</p>`;
  if (entries.length === 0) return `${form}${notice}<p id="dlq-empty">no dead letters match</p>`;
  return `${form}${notice}<table class="dlq"><thead><tr><th>#</th><th>status</th><th>group</th><th>source</th><th>aggregate</th><th>event</th><th>attempts</th><th>error</th><th></th></tr></thead><tbody>
${entries.map((e) => dlqRow(e, actionsEnabled)).join('\n')}</tbody></table>`;
}

function dlqRow(e: DlqEntry, actionsEnabled: boolean): string {
  const actions =
    e.status === 'new' && e.head
      ? (['replay', 'discard'] as const)
          .map(
            (
              a,
            ) => `<form method="post" action="/dlq/${e.id}/${a}" class="act" data-confirm="${a === 'replay' ? 'Replay' : 'Discard'} dead letter #${e.id} (${esc(e.group)} ${esc(e.topic)}/${e.partition}@${e.offset}) and release the records behind it?">
<input type="hidden" name="confirm" value=""><input type="password" name="token" placeholder="token" autocomplete="off"${actionsEnabled ? '' : ' disabled'}>
<button type="submit" name="do" value="${a}"${actionsEnabled ? '' : ' disabled'}>${a}</button></form>`,
          )
          .join('')
      : e.status === 'new'
        ? '<span class="muted">waits behind its head</span>'
        : '';
  const payload = e.payload.ok
    ? `<pre class="payload">${esc(e.payload.json)}</pre>`
    : `<p>does not decode: ${esc(e.payload.error)}</p><pre class="hex">${esc(e.payload.hex || '(no value)')}</pre>`;
  return `<tr class="dl ${esc(e.status)}" data-id="${e.id}"><td>${e.id}${e.head ? ' <b>head</b>' : ''}</td><td class="status">${esc(e.status)}</td><td>${esc(e.group)}</td>
<td>${esc(e.topic)}/${e.partition}@${e.offset}</td><td>${esc(e.aggregateId ?? '-')}</td><td>${esc(e.eventType ?? '-')}</td><td>${e.attempts}</td>
<td class="error">${esc(e.error.slice(0, 160))}</td><td>${actions}</td></tr>
<tr class="detail"><td colspan="9"><details><summary>record #${e.id}</summary>
<dl><dt>topic / partition / offset</dt><dd>${esc(e.topic)} / ${e.partition} / ${e.offset}</dd><dt>key</dt><dd>${esc(e.key ?? '-')}</dd>
<dt>event id</dt><dd>${esc(e.eventId ?? '-')}</dd><dt>created</dt><dd>${esc(e.createdAt)}${e.published ? ', copied to the DLQ topic' : ', not yet copied to the DLQ topic'}</dd>
<dt>error</dt><dd><pre>${esc(e.error)}</pre></dd><dt>headers</dt><dd>${e.headers.map((h) => `<code>${esc(h.name)}</code> = <code>${esc(h.value ?? 'null')}</code>`).join('<br>') || '-'}</dd>
<dt>payload</dt><dd>${payload}</dd></dl></details></td></tr>`;
}

export function renderPage(overview: string, dlq: string, refreshMs: number): string {
  return layout(
    'outbox pipeline console',
    `<header><h1>outbox pipeline</h1><nav><a href="#overview">overview</a> <a href="#dlq">dead letters</a></nav></header>
<main><div id="overview" data-refresh-ms="${refreshMs}">${overview}</div>
<section id="dlq"><h2>Dead-letter queue</h2>${dlq}</section></main>`,
  );
}

export function renderMessage(title: string, message: string, ok: boolean): string {
  return layout(
    title,
    `<main><section class="verdict ${ok ? 'healthy' : 'degraded'}"><h2 id="result">${esc(title)}</h2><p id="message">${esc(message)}</p>
<p><a href="/#dlq">back to the console</a></p></section></main>`,
  );
}
