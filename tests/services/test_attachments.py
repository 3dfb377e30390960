"""Attachments: the store, the limits, who may download what, and files that come by email."""
from datetime import timedelta
import re
from io import BytesIO
import os
import time

from email.utils import parseaddr

from PIL import Image
from sqlmodel import select
import pytest

from models import OutboundEmail
from models._types import utcnow
from services.attachments import MAX_FILES, Variant, clean_name, sniff
from services.errors import InvalidInput, NotFound
from services.files import FolderStore, TooLarge
from services.views import UserView
from tests import mailcorpus as corpus, samplefiles


def upload(parley, actor: UserView, name: str, data: bytes, *, chunk: int = 4096):
    pending = parley.files.begin(actor, name=name, declared_size=len(data))
    for start in range(0, len(data), chunk):
        pending.write(data[start:start + chunk])
    return parley.files.finish(actor, pending, name=name)


def stored_files(parley) -> list[str]:
    return sorted(d for d, _ in parley.files.store.stored())


@pytest.fixture
def customer_chat(parley, team):
    """A customer conversation: Alice and Susan with the customer."""
    return parley.conversations.create_conversation(
        team['alice'], participant_ids=[team['susan'].id, team['customer'].id], body='Hello', client_id='c1',
        with_customer=True)


def read(parley, served) -> bytes:
    with parley.files.store.open(served.digest) as file:
        return file.read()


# ----- the store -----------------------------------------------------------------------------------

def test_the_same_file_twice_is_stored_once(tmp_path):
    store = FolderStore(tmp_path / 'files')
    first, second = store.put(b'hello'), store.put(b'hello')
    assert first == second and len(list(store.stored())) == 1
    assert store.open(first).read() == b'hello'


def test_a_file_is_written_whole_or_not_at_all(tmp_path):
    store = FolderStore(tmp_path / 'files')
    writer = store.writer(10, InvalidInput('too large'))
    writer.write(b'12345')
    assert list(store.stored()) == [] and len(list(store.temporary.iterdir())) == 1   # not under a real name yet
    with pytest.raises(TooLarge):
        writer.write(b'1234567')
    assert list(store.temporary.iterdir()) == [] and list(store.stored()) == []


def test_temporary_files_a_crash_left_are_swept(tmp_path):
    store = FolderStore(tmp_path / 'files')
    left = store.temporary / 'abc.part'
    left.write_bytes(b'half a file')
    os.utime(left, (time.time() - 7200, time.time() - 7200))
    assert store.sweep_temporary(3600) == 1 and not left.exists()


def test_a_digest_is_the_only_name_the_store_opens(tmp_path):
    store = FolderStore(tmp_path / 'files')
    for bad in ('../../etc/passwd', 'ab', 'A' * 64, ''):
        with pytest.raises(ValueError):
            store.open(bad)


# ----- uploading ---------------------------------------------------------------------------------

def test_an_image_gets_a_thumbnail_upright_and_without_its_gps_position(parley, team):
    view = upload(parley, team['customer'], 'IMG_0001.JPG', samplefiles.photo(120, 80, orientation=6))
    assert view.image and (view.width, view.height) == (80, 120)   # turned as the phone meant it
    for variant in (Variant.THUMBNAIL, Variant.PREVIEW):
        served = parley.files.file(team['customer'], view.id, variant)
        shown = Image.open(BytesIO(read(parley, served)))
        assert shown.size == (80, 120) and served.inline
        assert not shown.getexif(), 'no EXIF (GPS, camera) in what is shown'
    original = parley.files.file(team['customer'], view.id)
    assert original.content_type == 'image/jpeg' and original.inline


def test_the_type_comes_from_the_bytes_not_the_name(parley, team):
    assert upload(parley, team['alice'], 'report.png', samplefiles.pdf()).content_type == 'application/pdf'
    assert not upload(parley, team['alice'], 'report.png', samplefiles.pdf()).image
    assert upload(parley, team['alice'], 'photo.pdf', samplefiles.png()).image


@pytest.mark.parametrize('data', [samplefiles.WINDOWS_PROGRAM, samplefiles.LINUX_PROGRAM])
def test_a_program_is_refused_whatever_its_name(parley, team, data):
    with pytest.raises(InvalidInput, match='is a program'):
        upload(parley, team['customer'], 'cute-cat.png', data)
    assert stored_files(parley) == [] and list(parley.files.store.temporary.iterdir()) == []


def test_an_empty_file_is_refused(parley, team):
    with pytest.raises(InvalidInput, match=r'empty \(0 bytes\)'):
        parley.files.begin(team['alice'], name='empty.txt', declared_size=0)
    pending = parley.files.begin(team['alice'], name='empty.txt', declared_size=None)
    with pytest.raises(InvalidInput, match='empty'):
        parley.files.finish(team['alice'], pending, name='empty.txt')
    assert stored_files(parley) == []


def test_a_file_over_the_limit_is_refused_before_it_is_read(parley, team):
    parley.files.max_bytes = 1000
    with pytest.raises(InvalidInput, match=r'big.zip is 2 KB; files can be up to 1,000 bytes'):
        parley.files.begin(team['alice'], name='big.zip', declared_size=2048)
    pending = parley.files.begin(team['alice'], name='big.zip', declared_size=None)   # it said nothing: counted
    pending.write(b'x' * 600)
    with pytest.raises(TooLarge, match=r'big\.zip is too large: files can be up to 1,000 bytes'):
        pending.write(b'x' * 600)
    assert stored_files(parley) == [] and list(parley.files.store.temporary.iterdir()) == []


def test_an_interrupted_upload_leaves_nothing(parley, team):
    pending = parley.files.begin(team['alice'], name='big.zip', declared_size=5000)
    pending.write(b'x' * 1000)
    pending.abort()   # the connection dropped
    assert stored_files(parley) == [] and list(parley.files.store.temporary.iterdir()) == []


@pytest.mark.parametrize('raw, cleaned', [
    ('../../etc/passwd', 'passwd'), ('C:\\Users\\ana\\report.pdf', 'report.pdf'),
    ('invoice\u202egnp.exe', 'invoicegnp.exe'), ('line\nbreak\t.txt', 'line break .txt'), ('', 'file'),
    ('...', 'file'), ('a' * 10_000 + '.pdf', 'a' * 115 + '….pdf'),
])
def test_names_are_cleaned(raw, cleaned):
    assert clean_name(raw) == cleaned and len(clean_name(raw)) <= 120


def test_types_told_from_bytes():
    assert sniff(samplefiles.SVG_WITH_SCRIPT) == 'image/svg+xml'
    assert sniff(samplefiles.HTML_PAGE) == 'text/html'
    assert sniff(samplefiles.png()) == 'image/png'
    assert sniff('plain words, olá'.encode()) == 'text/plain'


# ----- sending and access ------------------------------------------------------------------------

def test_a_message_carries_files_and_text_together(parley, team, customer_chat):
    pdf = upload(parley, team['alice'], 'guide.pdf', samplefiles.pdf())
    shot = upload(parley, team['alice'], 'screen.png', samplefiles.png())
    message = parley.conversations.send_message(team['alice'], customer_chat.id, body='Here you go', client_id='m2',
                                                attachment_ids=[pdf.id, shot.id])
    assert [a.name for a in message.attachments] == ['guide.pdf', 'screen.png']
    listed = parley.conversations.list_messages(team['customer'], customer_chat.id)[-1]
    assert listed.body == 'Here you go' and [(a.id, a.image) for a in listed.attachments] == [(pdf.id, False),
                                                                                              (shot.id, True)]
    assert read(parley, parley.files.file(team['susan'], pdf.id)) == samplefiles.pdf()


def test_files_alone_make_a_message_and_its_preview_names_them(parley, team, customer_chat):
    shot = upload(parley, team['customer'], 'screen.png', samplefiles.png())
    message = parley.conversations.send_message(team['customer'], customer_chat.id, body='  ', client_id='m2',
                                                attachment_ids=[shot.id])
    assert message.body == ''
    assert parley.conversations.access_conversation(team['alice'], customer_chat.id).last_message_preview == \
        '📎 screen.png'


def test_a_retried_send_with_files_stores_one_message(parley, team, customer_chat):
    shot = upload(parley, team['alice'], 'screen.png', samplefiles.png())
    first = parley.conversations.send_message(team['alice'], customer_chat.id, body='x', client_id='m2',
                                              attachment_ids=[shot.id])
    again = parley.conversations.send_message(team['alice'], customer_chat.id, body='x', client_id='m2',
                                              attachment_ids=[shot.id])
    assert first.id == again.id and len(parley.conversations.list_messages(team['alice'], customer_chat.id)) == 2


def test_nobody_sends_someone_elses_upload(parley, team, customer_chat):
    theirs = upload(parley, team['susan'], 'secret.pdf', samplefiles.pdf())
    with pytest.raises(InvalidInput, match='no longer waiting'):
        parley.conversations.send_message(team['alice'], customer_chat.id, body='x', client_id='m2',
                                          attachment_ids=[theirs.id])
    with pytest.raises(NotFound):
        parley.files.file(team['alice'], theirs.id)   # an unsent upload is its uploader's alone
    assert parley.files.file(team['susan'], theirs.id).name == 'secret.pdf'


def test_too_many_files_on_one_message(parley, team, customer_chat):
    ids = [upload(parley, team['alice'], f'{i}.txt', f'file {i}'.encode()).id for i in range(MAX_FILES + 1)]
    with pytest.raises(InvalidInput, match=f'up to {MAX_FILES} files'):
        parley.conversations.send_message(team['alice'], customer_chat.id, body='x', client_id='m2',
                                          attachment_ids=ids)


def test_only_readers_of_the_message_get_its_file(parley, team, customer_chat):
    shot = upload(parley, team['alice'], 'screen.png', samplefiles.png())
    parley.conversations.send_message(team['alice'], customer_chat.id, body='x', client_id='m2',
                                      attachment_ids=[shot.id])
    for reader in ('alice', 'susan', 'customer'):
        assert parley.files.file(team[reader], shot.id).name == 'screen.png'
    for outsider in ('john', 'mike'):
        with pytest.raises(NotFound):
            parley.files.file(team[outsider], shot.id)
    for guess in (shot.id + 1000, 0, -1, 'abc', None, 10 ** 30):
        with pytest.raises(NotFound):
            parley.files.file(team['alice'], guess)


def test_a_notes_files_never_reach_a_customer(parley, team, customer_chat):
    shot = upload(parley, team['alice'], 'internal.png', samplefiles.png())
    parley.conversations.send_message(team['alice'], customer_chat.id, body='for us', client_id='m2', note=True,
                                      attachment_ids=[shot.id])
    assert parley.files.file(team['susan'], shot.id).name == 'internal.png'
    with pytest.raises(NotFound):
        parley.files.file(team['customer'], shot.id)
    token = parley.files.link_token(team['customer'].id, shot.id)
    with pytest.raises(NotFound):
        parley.files.file_by_link(token, shot.id)


def test_a_customers_link_opens_that_file_only_and_expires(parley, team, customer_chat):
    shot = upload(parley, team['alice'], 'screen.png', samplefiles.png())
    other = upload(parley, team['alice'], 'other.png', samplefiles.png(5, 5))
    parley.conversations.send_message(team['alice'], customer_chat.id, body='x', client_id='m2',
                                      attachment_ids=[shot.id, other.id])
    token = parley.files.link_token(team['customer'].id, shot.id)
    assert parley.files.file_by_link(token, shot.id, Variant.THUMBNAIL).inline
    with pytest.raises(NotFound):
        parley.files.file_by_link(token, other.id)   # another file's link
    with pytest.raises(NotFound):
        parley.files.file_by_link(token + 'x', shot.id)
    parley.files.tokens.clock = lambda: parley.files.clock() + parley.files.link_lifetime + timedelta(minutes=1)
    with pytest.raises(NotFound):
        parley.files.file_by_link(token, shot.id)


def test_signing_a_customer_out_everywhere_ends_their_links(parley, team, customer_chat):
    shot = upload(parley, team['alice'], 'screen.png', samplefiles.png())
    parley.conversations.send_message(team['alice'], customer_chat.id, body='x', client_id='m2',
                                      attachment_ids=[shot.id])
    token = parley.files.link_token(team['customer'].id, shot.id)
    parley.directory.sign_out_customer_everywhere(team['alice'], team['customer'].id)
    with pytest.raises(NotFound):
        parley.files.file_by_link(token, shot.id)


def test_hostile_files_are_downloads_that_a_browser_never_runs(parley, team, customer_chat):
    svg = upload(parley, team['customer'], 'logo.svg', samplefiles.SVG_WITH_SCRIPT)
    html = upload(parley, team['customer'], 'page.png', samplefiles.HTML_PAGE)
    for view in (svg, html):
        served = parley.files.file(team['customer'], view.id)
        assert not served.inline and served.content_type == 'application/octet-stream' and not view.image


# ----- upkeep ------------------------------------------------------------------------------------

def test_uploads_nobody_sent_expire_and_their_files_go(parley, team, customer_chat):
    kept = upload(parley, team['alice'], 'kept.pdf', samplefiles.pdf())
    parley.conversations.send_message(team['alice'], customer_chat.id, body='x', client_id='m2',
                                      attachment_ids=[kept.id])
    upload(parley, team['alice'], 'forgotten.png', samplefiles.png(7, 7))
    assert len(stored_files(parley)) == 3   # the pdf; the png and its shown copy (thumbnail and large are one)
    parley.files.clock = lambda: utcnow() + timedelta(days=2)
    for path in parley.files.store.root.glob('??/*'):
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    parley.files.sweep()
    assert len(stored_files(parley)) == 1
    assert parley.files.file(team['customer'], kept.id).name == 'kept.pdf'


# ----- email -------------------------------------------------------------------------------------

@pytest.fixture
def emailed(parley, team, customer_chat):
    """The reply address of the email the customer got."""
    later = utcnow() + timedelta(minutes=5)
    parley.deliveries.clock = lambda: later
    assert parley.deliveries.send_due() == 1
    with parley.db.session() as session:
        email = session.exec(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    return parseaddr(email.reply_to)[1]


def test_an_emails_files_are_kept_and_shown_like_uploads(parley, team, customer_chat, emailed):
    receipt = parley.inbound.receive(corpus.with_attachment(emailed))
    assert receipt.outcome == 'posted'
    message = parley.conversations.list_messages(team['alice'], customer_chat.id)[-1]
    assert message.body == 'Here is the photo of the error.'
    assert [(a.name, a.kept, a.image) for a in message.attachments] == [('error 42.png', True, True),
                                                                         ('invoice.pdf', True, False)]
    assert read(parley, parley.files.file(team['susan'], message.attachments[1].id)) == b'%PDF-1.4 ' * 1000


def test_a_picture_inside_an_email_is_kept_too(parley, team, customer_chat, emailed):
    parley.inbound.receive(corpus.with_inline_image(emailed))
    message = parley.conversations.list_messages(team['alice'], customer_chat.id)[-1]
    assert message.body == 'See the picture below.'
    assert [(a.name, a.image) for a in message.attachments] == [('image.png', True)]


def test_an_emails_program_is_listed_never_kept(parley, team, customer_chat, emailed):
    from email.message import EmailMessage
    from email.policy import SMTP
    email = EmailMessage()
    email['From'], email['To'], email['Subject'] = corpus.CUSTOMER, emailed, 'Re: hi'
    email['Message-ID'] = corpus.new_id()
    email.set_content('My invoice')
    email.add_attachment(samplefiles.WINDOWS_PROGRAM, maintype='image', subtype='png', filename='invoice.png')
    parley.inbound.receive(email.as_bytes(policy=SMTP))
    message = parley.conversations.list_messages(team['alice'], customer_chat.id)[-1]
    assert [(a.name, a.kept) for a in message.attachments] == [('invoice.png', False)]
    assert stored_files(parley) == []


def test_the_email_fallback_links_to_an_agents_files_rather_than_attaching_them(parley, team, customer_chat):
    guide = upload(parley, team['alice'], 'setup guide.pdf', samplefiles.pdf())
    parley.conversations.send_message(team['alice'], customer_chat.id, body='The **guide**', client_id='m2',
                                      attachment_ids=[guide.id])
    later = utcnow() + timedelta(minutes=5)
    parley.deliveries.clock = lambda: later
    assert parley.deliveries.send_due() == 1
    with parley.db.session() as session:
        email = session.exec(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    link = re.search(r'setup guide\.pdf · 2 KB: (\S+)', email.text_body).group(1)
    assert link.startswith(f'{parley.settings.public_url}/files/{guide.id}/setup%20guide.pdf?t=')
    assert f'href="{link}"' in email.html_body.replace('&amp;', '&') and '<strong>guide</strong>' in email.html_body
    token = link.split('?t=')[1]
    assert read(parley, parley.files.file_by_link(token, guide.id)) == samplefiles.pdf()


def test_a_notice_for_files_alone_names_them(parley, team):
    conversation = parley.conversations.create_conversation(team['susan'], participant_ids=[team['alice'].id],
                                                            body='Hi', client_id='c1')
    shot = upload(parley, team['susan'], 'screen.png', samplefiles.png())
    parley.conversations.send_message(team['susan'], conversation.id, body='', client_id='c2',
                                      attachment_ids=[shot.id])
    assert parley.notifications.bell(team['alice'])[0].preview == '📎 screen.png'


def test_a_new_conversations_first_message_can_be_files(parley, team):
    shot = upload(parley, team['alice'], 'screen.png', samplefiles.png())
    conversation = parley.conversations.create_conversation(team['alice'], participant_ids=[team['susan'].id],
                                                            body='', client_id='c1', attachment_ids=[shot.id])
    [first] = parley.conversations.list_messages(team['susan'], conversation.id)
    assert first.body == '' and [a.name for a in first.attachments] == ['screen.png']
    assert parley.files.file(team['susan'], shot.id).name == 'screen.png'
    with pytest.raises(InvalidInput, match='no longer waiting'):   # sent once; a new conversation cannot take it
        parley.conversations.create_conversation(team['alice'], participant_ids=[team['john'].id], body='again',
                                                 client_id='c2', attachment_ids=[shot.id])
    assert len(parley.conversations.list_conversations(team['john'])) == 0
