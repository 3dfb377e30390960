"""`make bench` code, run once on tiny sizes so it cannot rot. No timing is asserted: only that it runs
and measures what it says (every message arrived, every count is there)."""
import json

from bench import run


def test_the_benchmarks_run_end_to_end_on_tiny_sizes(tmp_path):
    out = tmp_path / 'tiny.json'
    run.main(['--tiny', str(out)])
    result = json.loads(out.read_text())
    assert result['throughput']['group']['statements_per_send'] <= 5
    assert result['throughput']['group']['events_delivered'] > 0
    assert result['scale']['inbox_ms']['n'] == 10 and result['scale']['agent_conversations'] > 0
    for figures in result['delivery'].values():
        for who in ('parley_ms', 'floor_ms', 'bare_ms'):
            assert figures[who]['missing'] == 0 and figures[who]['n'] > 0
    assert result['memory']['agent_page_mb'] is not None
    assert [result['page_load'][who]['n'] for who in ('parley_ms', 'floor_ms', 'bare_ms', 'alone_ms', 'server_ms',
                                                      'team_ms', 'floor_alone_ms', 'bare_alone_ms')] == [2] * 8
    team = result['delivery']['2']['team_ms']
    assert team['n'] == 2 and team['missing'] == 0 and team['socket_pages'] == 1 and team['socket_missing'] == 0
    assert result['server_errors'] == 0
    assert '| Measure | Parley | Floor | Bare page | Target | Met |' in out.with_suffix('.md').read_text()
    several = result['cluster']
    assert several['same_process_ms']['n'] == several['cross_process_ms']['n'] == 2
    assert several['same_process_ms']['missing'] == several['cross_process_ms']['missing'] == 0
    assert several['postgresql']['group']['per_second'] > 0 and several['server_errors'] == 0
    assert 'Delivery across processes' in out.with_suffix('.md').read_text()
