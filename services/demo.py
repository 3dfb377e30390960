"""The demo workspace: four agents, a few customers and a conversation to look at."""
from dataclasses import dataclass
import secrets
import uuid

from services.conversations import ConversationService
from services.directory import DirectoryService
from services.replies import SavedReplyService
from services.views import UserView

AGENTS = [
    ('Alice Admin', 'alice@example.com', True),
    ('Susan Miller', 'susan@example.com', False),
    ('John Smith', 'john@example.com', False),
    ('Mike Brown', 'mike@example.com', False),
]
CUSTOMERS = [
    ('Sample Customer', 'customer@example.com', 'Sample Company'),
    ('Carlos Pereira', 'carlos@example.org', 'Pereira & Filhos'),
    ('Grace Hopper', 'grace@example.net', 'Navy Labs'),
    ('Ana Costa', 'ana@example.com', None),
]


@dataclass(frozen=True)
class DemoResult:
    created: bool
    password: str | None   # None when the workspace already existed


def seed_demo(directory: DirectoryService, conversations: ConversationService, *,
              password: str | None = None, replies: SavedReplyService | None = None) -> DemoResult:
    """Seed the demo workspace when there is no agent yet; otherwise leave the data alone."""
    if directory.has_agents():
        return DemoResult(created=False, password=None)
    password = password or secrets.token_urlsafe(9)
    agents: dict[str, UserView] = {}
    for name, email, is_admin in AGENTS:
        agents[email] = directory.create_agent(name=name, email=email, password=password, is_admin=is_admin)
    for name, email, organization in CUSTOMERS:
        directory.create_customer(name=name, email=email, organization=organization)

    alice, susan, mike = agents['alice@example.com'], agents['susan@example.com'], agents['mike@example.com']
    welcome = conversations.create_conversation(
        susan, participant_ids=[alice.id], client_id=_cid(),
        body='Hi Alice! The new shared inbox is live. Ping me here if anything looks off.')
    conversations.send_message(alice, welcome.id, client_id=_cid(),
                               body='Looks great, thanks Susan. I will move the team over this afternoon.')
    conversations.create_conversation(
        mike, participant_ids=[alice.id, susan.id], client_id=_cid(), subject='Weekend rota',
        body='Who can cover Saturday morning? I can take Sunday.')
    if replies is not None:
        for title, shortcut, text in SAVED_REPLIES:
            replies.create(alice, title=title, shortcut=shortcut, body=text, shared=True)
    return DemoResult(created=True, password=password)


SAVED_REPLIES = [
    ('Greeting', 'hi', 'Hi {customer.first_name}, thanks for getting in touch! I am {agent.first_name} and I will '
                       'help you with this.'),
    ('Restart the printer', 'restart', 'Could you try this first?\n\n1. Switch the printer off.\n2. Wait **30 '
                                       'seconds**.\n3. Switch it on again.\n\nIf the error stays, send us a photo '
                                       'of the display.'),
    ('Closing', 'bye', 'Glad that is sorted, {customer.first_name}. Have a good day!\n\n{agent.name}'),
]


def _cid() -> str:
    return uuid.uuid4().hex
