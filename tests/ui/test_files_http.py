"""POST /files and GET /files/{id}/{name} over HTTP: who may upload and download, with which headers."""
from urllib.parse import quote

from nicegui.testing import User

from tests import samplefiles
from tests.conftest import cid
from tests.ui.conftest import sign_in


async def post(client, name: str, data: bytes, **headers):
    return await client.post('/files', content=data, headers={'X-File-Name': quote(name), **headers})


async def test_an_agent_uploads_sends_and_downloads_with_safe_headers(user: User, people, app_parley):
    client = user.http_client
    assert (await post(client, 'a.pdf', samplefiles.pdf())).status_code == 401   # nobody signed in
    await sign_in(user, 'alice@example.com')
    assert (await client.post('/files', content=b'x')).status_code == 400   # no name
    answer = await post(client, 'guide.pdf', samplefiles.pdf())
    assert answer.status_code == 200 and answer.json()['name'] == 'guide.pdf'
    file_id = answer.json()['id']
    conversation = app_parley.conversations.create_conversation(people['alice'], participant_ids=[people['susan'].id],
                                                                body='x', client_id=cid())
    app_parley.conversations.send_message(people['alice'], conversation.id, body='guide', client_id=cid(),
                                          attachment_ids=[file_id])
    download = await client.get(f'/files/{file_id}/guide.pdf')
    assert download.status_code == 200 and download.content == samplefiles.pdf()
    assert download.headers['content-disposition'] == "attachment; filename*=UTF-8''guide.pdf"
    assert download.headers['x-content-type-options'] == 'nosniff'
    assert 'sandbox' in download.headers['content-security-policy']
    for wrong in (f'{file_id + 100}', 'abc', '²', '-1', '9' * 30):
        assert (await client.get(f'/files/{wrong}/guide.pdf')).status_code == 404


async def test_an_image_is_shown_inline_and_its_thumbnail_too(user: User, people, app_parley):
    await sign_in(user, 'alice@example.com')
    answer = await post(user.http_client, 'screen.png', samplefiles.png(800, 600))
    assert answer.json()['image'] and answer.json()['thumb'].endswith('?v=thumb')
    thumb = await user.http_client.get(answer.json()['thumb'])   # the uploader's own, before it is sent
    assert thumb.status_code == 200 and thumb.headers['content-type'] == 'image/png'
    assert thumb.headers['content-disposition'].startswith('inline')


async def test_refusals_say_why_and_keep_nothing(user: User, people, app_parley):
    await sign_in(user, 'alice@example.com')
    app_parley.files.max_bytes = 1024
    too_large = await post(user.http_client, 'big.zip', b'x' * 5000)
    assert too_large.status_code == 413 and 'files can be up to 1 KB' in too_large.json()['error']
    program = await post(user.http_client, 'cat.png', samplefiles.WINDOWS_PROGRAM)
    assert program.status_code == 400 and 'is a program' in program.json()['error']
    empty = await post(user.http_client, 'empty.txt', b'')
    assert empty.status_code == 400 and 'empty (0 bytes)' in empty.json()['error']
    assert list(app_parley.files.store.stored()) == []
    assert list(app_parley.files.store.temporary.iterdir()) == []


async def test_a_customer_uploads_with_the_chats_session_and_downloads_by_link(user: User, people, app_parley):
    customer = app_parley.directory.create_customer(name='Ana Costa', email='ana@example.pt')
    identity = app_parley.chat.start(customer, body='Hello', client_id=cid())
    token = app_parley.chat.session_token(identity)
    client = user.http_client
    assert (await post(client, 'a.png', samplefiles.png(), **{'X-Parley-Chat': 'forged'})).status_code == 401
    answer = await post(client, 'a.png', samplefiles.png(), **{'X-Parley-Chat': token})
    assert answer.status_code == 200
    thumb_address = answer.json()['thumb']
    assert '&t=' in thumb_address and (await client.get(thumb_address)).status_code == 200
    assert (await client.get(thumb_address.split('&t=')[0])).status_code == 404   # without the link: nobody


async def test_removing_an_upload_is_the_uploaders_alone(user: User, people, app_parley):
    pending = app_parley.files.begin(people['susan'], name='s.pdf', declared_size=None)
    pending.write(samplefiles.pdf())
    susans = app_parley.files.finish(people['susan'], pending, name='s.pdf')
    await sign_in(user, 'alice@example.com')
    assert (await user.http_client.delete(f'/files/{susans.id}')).status_code == 204
    assert app_parley.files.file(people['susan'], susans.id).name == 's.pdf'   # still Susan's
    mine = (await post(user.http_client, 'm.pdf', samplefiles.pdf())).json()['id']
    assert (await user.http_client.delete(f'/files/{mine}')).status_code == 204
    for wrong in ('²', '٣', 'abc', '9' * 30):
        assert (await user.http_client.delete(f'/files/{wrong}')).status_code == 404
    assert (await user.http_client.get(f'/files/{mine}/m.pdf')).status_code == 404
