"""Realistic inbound emails, built the way common mail clients write them (bytes, ready to receive)."""
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from datetime import datetime, UTC
import uuid

from tests import samplefiles

CUSTOMER = 'Sample Customer <customer@example.com>'
DATE = format_datetime(datetime(2026, 11, 24, 10, 5, tzinfo=UTC))
QUOTED = 'Hi Sam,\nPlease restart the printer and tell us if the light turns green.'


def new_id(domain: str = 'mail.example.com') -> str:
    return f'<{uuid.uuid4().hex}@{domain}>'


def _headers(to: str, subject: str, sender: str, in_reply_to: str | None, message_id: str | None,
             extra: dict | None = None) -> str:
    lines = [f'From: {sender}', f'To: {to}', f'Subject: {subject}', f'Date: {DATE}', 'MIME-Version: 1.0']
    if message_id is not None:
        lines.append(f'Message-ID: {message_id}')
    if in_reply_to:
        lines += [f'In-Reply-To: {in_reply_to}', f'References: {in_reply_to}']
    lines += [f'{k}: {v}' for k, v in (extra or {}).items()]
    return '\r\n'.join(lines) + '\r\n'


def gmail(to: str, body: str = 'Thanks, that fixed it!', *, in_reply_to: str | None = None,
          sender: str = CUSTOMER, message_id: str | None = None, subject: str = 'Re: Your printer') -> bytes:
    """multipart/alternative; "On ... wrote:" with > quotes in text, gmail_quote blockquote in HTML."""
    boundary = '000000000000a1b2c3d4e5f6'
    quoted_text = '\r\n'.join('> ' + line for line in QUOTED.split('\n'))
    html_body = body.replace('\n', '<br>')
    html_quote = QUOTED.replace('\n', '<br>')
    return (_headers(to, subject, sender, in_reply_to, message_id or new_id('mail.gmail.com')) +
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
            f'--{boundary}\r\nContent-Type: text/plain; charset="UTF-8"\r\n\r\n'
            f'{body}\r\n\r\nBest,\r\nSam\r\n\r\n'
            f'On Tue, Nov 24, 2026 at 10:02 AM Parley Support <{to}> wrote:\r\n\r\n{quoted_text}\r\n\r\n'
            f'--{boundary}\r\nContent-Type: text/html; charset="UTF-8"\r\n\r\n'
            f'<div dir="ltr">{html_body}<br><br>Best,<br>Sam</div><br><div class="gmail_quote">'
            f'<div dir="ltr" class="gmail_attr">On Tue, Nov 24, 2026 at 10:02 AM Parley Support &lt;{to}&gt; '
            f'wrote:<br></div><blockquote class="gmail_quote">{html_quote}</blockquote></div>\r\n'
            f'--{boundary}--\r\n').encode()


def outlook(to: str, body: str = 'Great, thank you.', *, in_reply_to: str | None = None,
            sender: str = CUSTOMER) -> bytes:
    """Outlook: a signature, then the underscore line and From/Sent/To/Subject header block."""
    text = (f'{body}\r\n\r\nKind regards,\r\nSam Customer\r\nIT Manager | Example Ltd\r\n\r\n'
            '________________________________\r\n'
            f'From: Parley Support <{to}>\r\nSent: Tuesday, November 24, 2026 10:02 AM\r\n'
            'To: Sample Customer <customer@example.com>\r\nSubject: Re: Your printer\r\n\r\n'
            f'{QUOTED}\r\n')
    return (_headers(to, 'RE: Your printer', sender, in_reply_to, new_id('EXAMPLE.prod.outlook.com'),
                     {'X-Mailer': 'Microsoft Outlook 16.0', 'Thread-Index': 'AQHZabc123=='}) +
            'Content-Type: text/plain; charset="us-ascii"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n' + text).encode()


def apple_mail(to: str, body: str = 'Works now.', *, in_reply_to: str | None = None) -> bytes:
    """Apple Mail on iPhone: format=flowed, "Sent from my iPhone", then the quoted original."""
    quoted = '\r\n'.join('> ' + line for line in QUOTED.split('\n'))
    text = (f'{body}\r\n\r\nSent from my iPhone\r\n\r\n'
            f'> On 24 Nov 2026, at 10:02, Parley Support <{to}> wrote:\r\n> \r\n{quoted}\r\n')
    return (_headers(to, 'Re: Your printer', CUSTOMER, in_reply_to, new_id('icloud.com'),
                     {'X-Mailer': 'iPhone Mail (21A329)'}) +
            'Content-Type: text/plain; charset=us-ascii; format=flowed\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'
            + text).encode()


def html_only(to: str, body: str = 'The <b>new</b> cartridge works.', *, in_reply_to: str | None = None) -> bytes:
    html = (f'<html><head><style>p {{color: red}}</style><script>alert("x")</script></head><body>'
            f'<p>{body}</p><p>Kind regards &amp; thanks,<br>Sam</p>'
            f'<blockquote type="cite">On 24 Nov 2026 Parley Support wrote:<br>{QUOTED}</blockquote></body></html>')
    return (_headers(to, 'Re: Your printer', CUSTOMER, in_reply_to, new_id()) +
            'Content-Type: text/html; charset=utf-8\r\n\r\n' + html).encode()


def latin1(to: str, *, in_reply_to: str | None = None) -> bytes:
    """ISO-8859-1 body in quoted-printable; subject and sender name as encoded-words."""
    body = 'Merci beaucoup, ça marche très bien.\n\nLe 24 nov. 2026 à 10:02, Parley Support a écrit :\n> Bonjour'
    encoded = body.encode('iso-8859-1')
    qp = ''.join(chr(b) if 32 < b < 127 and b != 61 else ('\r\n' if b == 10 else f'={b:02X}') for b in encoded)
    return (_headers(to, '=?ISO-8859-1?Q?Re=3A_Votre_imprimante_=E0_Paris?=',
                     '=?ISO-8859-1?Q?Fran=E7ois_Cust?= <customer@example.com>', in_reply_to, new_id()) +
            'Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
            + qp + '\r\n').encode('ascii')


def utf8_words(to: str, *, in_reply_to: str | None = None) -> bytes:
    """UTF-8 encoded-words in the headers, base64 body with emoji and combining characters."""
    message = EmailMessage()
    message['From'] = '=?UTF-8?B?' + __import__('base64').b64encode('Zoë Łukasz 🙂'.encode()).decode() + \
        '?= <customer@example.com>'
    message['To'] = to
    message['Subject'] = 'Re: Grüße 🙂'
    message['Message-ID'] = new_id()
    if in_reply_to:
        message['In-Reply-To'] = in_reply_to
    message.set_content('Danke! Alles gut 👍 — e\u0301 café\n\nAm 24.11.2026 um 10:02 schrieb Parley Support:\n'
                        '> Hallo', charset='utf-8', cte='base64')
    return message.as_bytes(policy=SMTP)


def _reply(to: str, in_reply_to: str | None, text: str) -> EmailMessage:
    """A customer's plain reply about the printer, to add parts to."""
    message = EmailMessage()
    message['From'] = CUSTOMER
    message['To'] = to
    message['Subject'] = 'Re: Your printer'
    message['Message-ID'] = new_id()
    if in_reply_to:
        message['In-Reply-To'] = in_reply_to
    message.set_content(text)
    return message


def with_attachment(to: str, *, in_reply_to: str | None = None, text: str = 'Here is the photo of the error.') -> bytes:
    message = _reply(to, in_reply_to, text)
    message.add_attachment(samplefiles.png(), maintype='image', subtype='png', filename='error 42.png')
    message.add_attachment(b'%PDF-1.4 ' * 1000, maintype='application', subtype='pdf', filename='invoice.pdf')
    return message.as_bytes(policy=SMTP)


def without_message_id(to: str, body: str = 'No Message-ID here.', *, in_reply_to: str | None = None) -> bytes:
    return (_headers(to, 'Re: Your printer', CUSTOMER, in_reply_to, None) +
            'Content-Type: text/plain; charset=utf-8\r\n\r\n' + body + '\r\n').encode()


def forwarded(to: str, *, in_reply_to: str | None = None) -> bytes:
    text = ('FYI, this is what the printer sent me.\r\n\r\n---------- Forwarded message ---------\r\n'
            'From: Printer Bot <bot@example.net>\r\nDate: Tue, 24 Nov 2026 at 09:00\r\nSubject: Error 42\r\n'
            'To: <customer@example.com>\r\n\r\nPaper jam in tray 2\r\n')
    return (_headers(to, 'Fwd: Error 42', CUSTOMER, in_reply_to, new_id()) +
            'Content-Type: text/plain; charset=utf-8\r\n\r\n' + text).encode()


def auto_reply(to: str, *, in_reply_to: str | None = None, header: tuple[str, str] = ('Auto-Submitted',
                                                                                      'auto-replied')) -> bytes:
    return (_headers(to, 'Automatic reply: Your printer', CUSTOMER, in_reply_to, new_id(), dict([header])) +
            'Content-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office until Monday.\r\n').encode()


def bounce(original_id: str, recipient: str = 'customer@example.com') -> bytes:
    """An RFC 3464 delivery status notification from a mailer daemon, with the original's headers."""
    boundary = 'DSN-boundary-1'
    return ('From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\nTo: support@parley.localhost\r\n'
            'Subject: Undelivered Mail Returned to Sender\r\n'
            f'Date: {DATE}\r\nMessage-ID: {new_id("mx.example.net")}\r\nAuto-Submitted: auto-replied\r\n'
            f'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; '
            f'boundary="{boundary}"\r\n\r\n'
            f'--{boundary}\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n'
            f'--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n'
            'Reporting-MTA: dns; mx.example.net\r\n\r\n'
            f'Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n'
            'Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n'
            f'--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n'
            f'From: Parley Support <support@parley.localhost>\r\nTo: {recipient}\r\n'
            f'Subject: Your conversation\r\nMessage-ID: {original_id}\r\n\r\n'
            f'--{boundary}--\r\n').encode()


def injection(to: str, *, in_reply_to: str | None = None) -> bytes:
    """Encoded CR/LF in the subject and sender name trying to smuggle headers in."""
    return (_headers(to, '=?utf-8?q?Hi=0D=0ABcc:_victim@example.org=0D=0AX-Evil:_1?=',
                     '=?utf-8?q?Sam=0D=0ABcc:_victim@example.org?= <customer@example.com>', in_reply_to, new_id()) +
            'Content-Type: text/plain; charset=utf-8\r\n\r\n<script>alert(1)</script> is just text.\r\n').encode()


def fresh(body: str = 'Hello, I have a new question about billing.', *, sender: str = CUSTOMER,
          to: str = 'support@parley.localhost') -> bytes:
    """A new email that answers nothing Parley sent."""
    return (_headers(to, 'A new question', sender, None, new_id()) +
            'Content-Type: text/plain; charset=utf-8\r\n\r\n' + body + '\r\n').encode()


def with_inline_image(to: str, *, in_reply_to: str | None = None) -> bytes:
    """An HTML reply with a picture pasted into its text (multipart/related, the picture by Content-ID)."""
    message = _reply(to, in_reply_to, 'See the picture below.')
    message.add_alternative('<p>See the picture below.</p><img src="cid:screen1@example.com">', subtype='html')
    message.get_payload()[1].add_related(samplefiles.png(30, 20), maintype='image', subtype='png',
                                         cid='<screen1@example.com>')
    return message.as_bytes(policy=SMTP)


# ----- Portuguese (pt-PT) replies: the same clients in Portugal -----

QUOTED_PT = 'Olá Ana,\nReinicie a impressora e diga-nos se a luz fica verde.'


def _plain(to: str, subject: str, message_id: str, text: str, extra: dict | None = None) -> bytes:
    return (_headers(to, subject, CUSTOMER, None, message_id, extra) +
            'Content-Type: text/plain; charset="UTF-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' + text).encode()


def gmail_pt(to: str, body: str = 'Obrigada, já funciona!') -> bytes:
    """Gmail in Portuguese: "Em seg., 30/11/2026 às 10:02, ... escreveu:" over the > quotes."""
    quoted = '\r\n'.join('> ' + line for line in QUOTED_PT.split('\n'))
    return _plain(to, 'Re: A sua impressora', new_id('mail.gmail.com'),
                  f'{body}\r\n\r\nCom os melhores cumprimentos,\r\nAna\r\n\r\n'
                  f'Em seg., 30/11/2026 às 10:02, Parley Support <{to}> escreveu:\r\n\r\n{quoted}\r\n')


def outlook_pt(to: str, body: str = 'Muito obrigada pela ajuda.') -> bytes:
    """Outlook in Portuguese: the underscore line, then De/Enviado/Para/Assunto."""
    return _plain(to, 'RE: A sua impressora', new_id('EXAMPLE.prod.outlook.com'),
                  f'{body}\r\n\r\n________________________________\r\n'
                  f'De: Parley Support <{to}>\r\nEnviado: segunda-feira, 30 de novembro de 2026 10:02\r\n'
                  'Para: Ana Cliente <customer@example.com>\r\nAssunto: Re: A sua impressora\r\n\r\n'
                  f'{QUOTED_PT}\r\n', {'X-Mailer': 'Microsoft Outlook 16.0'})


def apple_mail_pt(to: str, body: str = 'Já está a funcionar.') -> bytes:
    """iPhone in Portuguese: "Enviado do meu iPhone", then "> A 30/11/2026, às 10:02, ... escreveu:"."""
    quoted = '\r\n'.join('> ' + line for line in QUOTED_PT.split('\n'))
    return _plain(to, 'Re: A sua impressora', new_id('icloud.com'),
                  f'{body}\r\n\r\nEnviado do meu iPhone\r\n\r\n'
                  f'> A 30/11/2026, às 10:02, Parley Support <{to}> escreveu:\r\n> \r\n{quoted}\r\n',
                  {'X-Mailer': 'iPhone Mail (21A329)'})


def samsung_pt(to: str, body: str = 'Recebido, obrigada.') -> bytes:
    """A Samsung phone in Portuguese: its "Enviado do meu smartphone Samsung Galaxy." and a dashed header."""
    return _plain(to, 'Re: A sua impressora', new_id('samsung.example.com'),
                  f'{body}\r\n\r\n\r\nEnviado do meu smartphone Samsung Galaxy.\r\n\r\n\r\n'
                  '-------- Mensagem original --------\r\n'
                  f'De: Parley Support <{to}>\r\nData: 30/11/26 10:02 (GMT+00:00)\r\n'
                  'Para: customer@example.com\r\nAssunto: Re: A sua impressora\r\n\r\n'
                  f'{QUOTED_PT}\r\n')
