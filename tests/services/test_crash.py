"""kill -9 in the middle of a burst of sends: every acknowledged message survives exactly once, and the
emails still due are sent after the restart."""
from datetime import timedelta
import os
from pathlib import Path
import signal
import subprocess
import sys
import textwrap

from sqlmodel import func, select

from models import Message
from services.config import Settings
from services.container import build_parley
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]

# Four "clients" (threads) send as fast as they can; each acknowledgement is printed only after the
# send returned, i.e. after the commit. The parent kills the process with SIGKILL mid-burst.
BURST = textwrap.dedent('''
    import sys, threading
    from pathlib import Path
    from services.config import Settings
    from services.container import build_parley
    database, conversation_id = sys.argv[1], int(sys.argv[2])
    parley = build_parley(Settings(database_url=f'sqlite:///{database}', data_dir=Path(database).parent))
    agents = [parley.auth.authenticate(f'{name}@example.com', sys.argv[3]) for name in ('alice', 'susan')]
    lock = threading.Lock()

    def client(number):
        author = agents[number % 2]
        for i in range(100000):
            client_id = f'c{number}-{i}'
            parley.conversations.send_message(author, conversation_id, body=f'message {client_id}',
                                              client_id=client_id)
            with lock:
                print('ACK', client_id, flush=True)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
''')


def test_kill_9_during_a_burst_keeps_every_acknowledged_message_once_and_its_emails(tmp_path, sink):
    database = tmp_path / 'crash.db'
    parley = build_parley(Settings(database_url=f'sqlite:///{database}', data_dir=tmp_path))
    alice = parley.directory.create_agent(name='Alice Admin', email='alice@example.com', password=PASSWORD,
                                          is_admin=True)
    susan = parley.directory.create_agent(name='Susan Miller', email='susan@example.com', password=PASSWORD)
    customer = parley.directory.create_customer(name='Sample Customer', email='customer@example.com')
    conversation = parley.conversations.create_conversation(
        alice, participant_ids=[susan.id, customer.id], body='Start', client_id='start')
    parley.close()

    process = subprocess.Popen([sys.executable, '-c', BURST, str(database), str(conversation.id), PASSWORD],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, 'PYTHONPATH': str(ROOT)})
    acknowledged = []
    for line in process.stdout:
        if line.startswith('ACK '):
            acknowledged.append(line.split()[1])
        if len(acknowledged) >= 200:
            process.send_signal(signal.SIGKILL)   # no shutdown, no flush: a crash
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, process.stderr.read()

    _, port = sink
    restarted = build_parley(Settings(database_url=f'sqlite:///{database}', data_dir=tmp_path,
                                      smtp_url=f'smtp://127.0.0.1:{port}?starttls=off'))
    try:
        with restarted.db.session() as session:
            stored = dict(session.exec(select(Message.client_id, func.count()).group_by(Message.client_id)).all())
        missing = [c for c in acknowledged if c not in stored]
        assert missing == [], f'{len(missing)} acknowledged messages lost'
        assert max(stored.values()) == 1, 'a message stored twice'

        # Every agent message to the customer is still waiting for its email, and goes out after the restart.
        later = restarted.conversations.clock() + timedelta(minutes=5)
        restarted.deliveries.clock = restarted.mail.clock = lambda: later
        assert restarted.deliveries.send_due() == 1, 'one email for all the unseen messages'
        assert restarted.mail.send_due() == 1
        [(recipients, email)] = sink[0].messages
        assert recipients == ['customer@example.com']
        text = email.get_body(('plain',)).get_content()
        assert all(f'message {c}' in text for c in acknowledged[:20])
    finally:
        restarted.close()
