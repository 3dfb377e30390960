"""`make bench`: every benchmark, results in bench/results/latest.json and .md, the table in README.md.

`python -m bench.run --tiny OUT` runs the same code on tiny sizes (what `make test` does, so it cannot rot).
"""
from datetime import datetime, UTC
from pathlib import Path
import json
import re
import sys
import tempfile

from bench import browser, cross, scale, throughput, uploads
from bench.common import machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'bench' / 'results'
FULL = dict(throughput=dict(messages=3000, receivers=25), scale=dict(conversations=10_000, messages=1_000_000),
            browser=dict(receivers=(1, 10, 25), messages=100, pages=20, loads=20, rounds=3),
            uploads=dict(size_mb=20, rounds=3), cross=dict(messages=100, sends=3000, receivers=25))
TINY = dict(throughput=dict(messages=20, receivers=3), scale=dict(conversations=60, messages=1200, samples=10),
            browser=dict(receivers=(1, 2), messages=2, pages=2, loads=2, rounds=1), uploads=dict(size_mb=2, rounds=1),
            cross=dict(messages=2, sends=20, receivers=3))


def run(sizes: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix='parley-bench-') as folder:
        work = Path(folder)
        print('throughput...', flush=True)
        sent = throughput.run(work / 'throughput', **sizes['throughput'])
        print('data scale...', flush=True)
        data = scale.run(work / 'scale', **sizes['scale'])
        print('browser: delivery, memory, page load...', flush=True)
        pages = browser.run(work / 'browser', **sizes['browser'])
        print('uploads...', flush=True)
        files = uploads.run(work / 'uploads', **sizes['uploads'])
        print('several processes: delivery across them, sends on PostgreSQL...', flush=True)
        several = cross.run(work / 'cross', **sizes['cross'])
    return {'when': datetime.now(UTC).isoformat(timespec='seconds'), 'machine': machine(),
            'sizes': sizes, 'throughput': sent, 'scale': data, **pages, 'uploads': files, 'cluster': several}


def table(r: dict) -> str:
    """The README's table: each target, what this run measured, the floor in the same run, met or not.

    The targets are the team's decision on issue 8 (issue 19): each against a figure from the same run where the
    floor sets what two cores can do.
    """
    m = r['machine']
    rows = []
    most = str(max(int(k) for k in r['delivery']))
    for k, d in sorted(r['delivery'].items(), key=lambda kv: int(kv[0])):
        p, f, b = d['parley_ms'], d['floor_ms'], d.get('bare_ms')
        target = 'p95 ≤ 1.2 × floor' if k == most else ''
        met = _met(d['ratio_p95'] <= 1.2) if k == most else ''
        rows.append((f'Delivery to {k} receiver page{"s" if k != "1" else ""}, ms (p50 / p95 / p99)',
                     f'{p["p50"]:.0f} / {p["p95"]:.0f} / {p["p99"]:.0f}',
                     f'{f["p50"]:.0f} / {f["p95"]:.0f} / {f["p99"]:.0f} ({d["ratio_p95"]} ×)',
                     _cell(b, 'p50', 'p95', 'p99'), target, met))
        if 'team_ms' in d:
            t = d['team_ms']
            rows.append((f'… to one of them, the other {t["socket_pages"]} as socket pages (each agent\'s browser on '
                         'a machine of its own), ms (p50 / p95 / p99)',
                         f'{t["p50"]:.0f} / {t["p95"]:.0f} / {t["p99"]:.0f}', '', '', 'p95 ≤ 50 ms',
                         _met(t['p95'] <= 50 and t['missing'] == t['socket_missing'] == 0)))
    t = r['throughput']
    g, c = t['group'], t['customer']
    rows.append(("Sends per second, 26-person group (25 subscribers; each teammate's bell notice updated)",
                 f'{g["per_second"]:,}', f'{t["floor_per_second"]:,} (one INSERT + commit)', '', '≥ 1,000',
                 _met(g['per_second'] >= 1000)))
    rows.append(('… floor INSERTs one group send costs', f'{t["ratio"]}', '', '', '≤ 30', _met(t['ratio'] <= 30)))
    rows.append(('Sends per second, agent to customer (delivery row)', f'{c["per_second"]:,}', '', '', '≥ 1,000',
                 _met(c['per_second'] >= 1000)))
    rows.append(('SQL statements per send (group / customer)', f'{g["statements_per_send"]} / '
                 f'{c["statements_per_send"]}', '', '', '≤ 5',
                 _met(max(g['statements_per_send'], c['statements_per_send']) <= 5)))
    s = r['scale']
    for name, key in (('Inbox, top 50 with unread counts', 'inbox_ms'), ('Thread, last 50 messages', 'thread_ms'),
                      ('Closed list, top 50 (most conversations open)', 'closed_ms'),
                      ('The six filters\' counts', 'counts_ms')):
        if key in s:
            v = s[key]
            rows.append((f'{name}, ms at {s["messages"]:,} messages (p50 / p99)', f'{v["p50"]} / {v["p99"]}', '',
                         '', 'p99 ≤ 10 ms', _met(v['p99'] <= 10)))
    if 'search_ms' in s:
        v = s['search_ms']
        rows.append((f'Search as one types (a word, a prefix, two words), ms at {s["messages"]:,} messages '
                     '(p50 / p99)', f'{v["p50"]} / {v["p99"]}', '', '', 'p99 ≤ 50 ms', _met(v['p99'] <= 50)))
    mem = r['memory']
    rows.append(('Server memory per agent messenger page (50-message thread), MB', f'{mem["agent_page_mb"]}',
                 f'{mem["floor_page_mb"]} ({mem["agent_ratio"]} ×)', '', '≤ 1 MB', _met(mem['agent_page_mb'] <= 1)))
    rows.append(('Server memory per customer live-chat page (50 messages), MB', f'{mem["customer_page_mb"]}',
                 f'{mem["floor_page_mb"]}', '', '', ''))
    load = r['page_load']
    p, f = load['parley_ms'], load['floor_ms']
    rows.append((f'Messenger ready, {load["pages_at_once"]} pages loading at once, ms (p50 / p95)',
                 f'{p["p50"]:.0f} / {p["p95"]:.0f}', f'{f["p50"]:.0f} / {f["p95"]:.0f} ({load["ratio_p95"]} ×)',
                 _cell(load.get('bare_ms'), 'p50', 'p95'), '', ''))
    if 'alone_ms' in load:
        a, h = load['alone_ms'], load['server_ms']
        floor_alone = load.get('floor_alone_ms')
        ratio = round(a['p95'] / floor_alone['p95'], 2) if floor_alone else None
        rows.append(('… one messenger page loading alone (the browser\'s part for one agent), ms (p50 / p95)',
                     f'{a["p50"]:.0f} / {a["p95"]:.0f}',
                     _cell(floor_alone, 'p50', 'p95') + (f' ({ratio} ×)' if ratio is not None else ''),
                     _cell(load.get('bare_alone_ms'), 'p50', 'p95'), 'p95 ≤ 1.1 × floor',
                     _met(ratio is not None and ratio <= 1.1)))
        rows.append((f'… the server building {load["pages_at_once"]} messenger pages at once for plain requests, '
                     'ms (p50 / p95)', f'{h["p50"]:.0f} / {h["p95"]:.0f}', '', '', '', ''))
    if 'build_ms' in load:
        b, fb = load['build_ms'], load['floor_build_ms']
        ratio = round(b['p50'] / fb['p50'], 2)
        rows.append(('… the server building one messenger page (50-message thread, 100 conversations listed), '
                     'measured in the process (Server-Timing), ms (p50 / p95)', f'{b["p50"]:.1f} / {b["p95"]:.1f}',
                     f'{fb["p50"]:.1f} / {fb["p95"]:.1f} ({ratio} ×)', '', 'p50 ≤ 3 × floor', _met(ratio <= 3)))
    if 'team_ms' in load:
        t = load['team_ms']
        rows.append((f'… one of {load["pages_at_once"]} loading at once, the others as socket pages (each agent\'s '
                     'browser on a machine of its own), ms (p50 / p95)', f'{t["p50"]:.0f} / {t["p95"]:.0f}', '', '',
                     '', ''))
    if 'uploads' in r:
        u = r['uploads']
        rows.append((f'Uploading a {u["size_mb"]} MB file: the server\'s memory at its peak, MB above before '
                     f'(seconds; a plain copy of the file in the same run)', f'+{u["growth_mb"]} ({u["upload_s"]} s)',
                     f'{u["copy_s"]} s (copy; {u["ratio"]} ×)', '', f'≤ +{max(2, u["size_mb"] // 4)} MB (flat)',
                     _met(u['growth_mb'] <= max(2, u['size_mb'] // 4) and u['server_errors'] == 0)))
    if 'cluster' in r:
        c = r['cluster']
        x, one = c['cross_process_ms'], c['same_process_ms']
        rows.append(('Delivery across processes: sender on process 1, the receiver\'s page on process 2 (3 processes, '
                     'PostgreSQL, Redis, HAProxy), beside a page on process 1, ms (p50 / p95 / p99)',
                     f'{x["p50"]:.0f} / {x["p95"]:.0f} / {x["p99"]:.0f}',
                     f'{one["p50"]:.0f} / {one["p95"]:.0f} / {one["p99"]:.0f} (same process; {c["ratio_p95"]} ×)', '',
                     'p95 ≤ 1.3 × and ≤ 50 ms',
                     _met(c['ratio_p95'] <= 1.3 and x['p95'] <= 50 and x['missing'] == one['missing'] == 0)))
        pg, lite = c['postgresql'], r['throughput']
        rows.append(('Sends per second on PostgreSQL, 26-person group / agent to customer (SQLite: the rows above)',
                     f'{pg["group"]["per_second"]:,} / {pg["customer"]["per_second"]:,}',
                     f'{lite["group"]["per_second"]:,} / {lite["customer"]["per_second"]:,} (SQLite)', '', '', ''))
    head = (f'Measured {r["when"][:10]} on {m["cpus"]} cores ({m["cpu"]}), {m["memory"]}, Python {m["python"]}; '
            f'floor = bench/floor.py (NiceGUI) and bare page = bench/bare.py (no framework) in the same run.\n\n'
            '| Measure | Parley | Floor | Bare page | Target | Met |\n|---|---|---|---|---|---|\n')
    return head + '\n'.join('| ' + ' | '.join(row) + ' |' for row in rows) + '\n'


def _cell(figures: dict | None, *keys: str) -> str:
    """'p50 / p95' of a measure, or nothing where this run did not take it."""
    return ' / '.join(f'{figures[k]:.0f}' for k in keys) if figures else ''


def _met(ok: bool) -> str:
    return 'yes' if ok else 'no'


def update_readme(markdown: str, readme: Path = ROOT / 'README.md') -> None:
    text = readme.read_text()
    block = f'<!-- bench:start -->\n{markdown}<!-- bench:end -->'
    if '<!-- bench:start -->' in text:
        text = re.sub(r'<!-- bench:start -->.*?<!-- bench:end -->', lambda _: block, text, flags=re.S)
        readme.write_text(text)


def main(argv: list[str]) -> None:
    tiny = '--tiny' in argv
    result = run(TINY if tiny else FULL)
    markdown = table(result)
    if tiny:  # a smoke run writes where it is told, never over the real figures
        out = Path(argv[argv.index('--tiny') + 1])
        out.write_text(json.dumps(result, indent=1))
        out.with_suffix('.md').write_text(markdown)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / 'latest.json').write_text(json.dumps(result, indent=1))
    (RESULTS / 'latest.md').write_text(markdown)
    update_readme(markdown)
    print(markdown)


if __name__ == '__main__':
    main(sys.argv[1:])
