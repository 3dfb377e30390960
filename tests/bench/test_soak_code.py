"""`make soak` on tiny sizes (3 + 3 visitors, one pair in Chromium, two rounds of 3 s) against a real Parley
process: nothing lost, nothing duplicated, everything shown live, no error. Memory is reported, not asserted
(RSS on a shared machine is no test)."""
import json

from bench import soak


def test_the_soak_runs_against_a_parley_process_and_loses_nothing(tmp_path):
    out = tmp_path / 'soak.json'
    soak.main(['--tiny', str(out)])
    result = json.loads(out.read_text())
    assert len(result['rounds']) == 2
    for r in result['rounds']:
        assert r['sent'] > 0 and r['missing_live'] == 0 and r['problems'] == [] and r['unacknowledged'] == 0
        assert r['presence_cleared'], 'the pages that left are not "online" any more'
        assert all(n > 0 for n in r['per_conversation'].values()), 'every pair talked, Chromium pages too'
    assert result['lost'] == 0 and result['duplicated'] == 0
    assert result['acknowledged'] == sum(r['sent'] for r in result['rounds'])
    assert result['stored'] == result['acknowledged'] + result['pairs']   # plus each conversation's "Hello"
    assert result['server_errors'] == 0


def test_the_soak_runs_against_the_cluster_through_haproxy_and_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv('SOAK_CLUSTER', '1')
    out = tmp_path / 'soak-cluster.json'
    soak.main(['--tiny', str(out)])
    result = json.loads(out.read_text())
    assert result['cluster'] is True and len(result['rounds']) == 2
    for r in result['rounds']:
        assert r['sent'] > 0 and r['missing_live'] == 0 and r['problems'] == [] and r['unacknowledged'] == 0
        assert r['presence_cleared'], 'the pages that left are not "online" on any process'
    assert result['lost'] == 0 and result['duplicated'] == 0 and result['server_errors'] == 0


def test_a_clusters_tracebacks_are_cut_out_of_its_logs_with_the_line_that_logged_them(tmp_path):
    from bench.cluster import Cluster
    cluster = Cluster(tmp_path, 'postgresql://unused', {}, processes=2)
    (tmp_path / 'parley1').joinpath('server.log').write_text(
        '2026-12-03 01:16:26,929 INFO services.migrate: database created\n' + 'quiet line\n' * 500 +
        '2026-12-03 01:17:15,197 ERROR nicegui: it broke\nTraceback (most recent call last):\n'
        '  File "x.py", line 1, in f\nValueError: boom\n'
        '2026-12-03 01:17:18,266 INFO services.redislink: Redis answers again\n')
    (tmp_path / 'parley2').joinpath('server.log').write_text('2026-12-03 01:16:27,000 INFO fine\n')
    assert cluster.tracebacks() == ('Parley 1:\n2026-12-03 01:17:15,197 ERROR nicegui: it broke\n'
                                    'Traceback (most recent call last):\n  File "x.py", line 1, in f\nValueError: boom')
    (tmp_path / 'parley1').joinpath('server.log').write_text('all well\n')
    assert cluster.tracebacks() == ''
