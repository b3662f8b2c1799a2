"""SMTP access for one account: log in, and hand over one message with an honest outcome.

The only module that talks SMTP. aiosmtplib's errors are translated here into followup's
exception tree, with the account named and the next step said.
"""

from __future__ import annotations

import socket
import ssl

import aiosmtplib

from tracker.config import AccountSettings, Secret
from tracker.errors import (
    ConnectionLost,
    LoginRefused,
    MailServerError,
    SendRefused,
    SendUncertain,
    ServerUnreachable,
)


def client_for(
    account: AccountSettings, secret: Secret, *, timeout: float = 30.0
) -> aiosmtplib.SMTP:
    """An unconnected aiosmtplib client for `account` (implicit TLS, STARTTLS or plain)."""
    endpoint = account.smtp
    credentials: dict[str, object] = {"username": account.login}
    if account.uses_oauth2:

        async def token() -> str:
            return secret.reveal()

        credentials["oauth_token_generator"] = token
    else:
        credentials["password"] = secret.reveal()
    return aiosmtplib.SMTP(
        hostname=endpoint.host,
        port=endpoint.port,
        use_tls=endpoint.security == "tls",
        start_tls=endpoint.security == "starttls",
        tls_context=ssl.create_default_context(),
        timeout=timeout,
        **credentials,  # type: ignore[arg-type]
    )


async def check_login(account: AccountSettings, secret: Secret, *, timeout: float = 30.0) -> str:
    """Connect and log in, then quit; returns the server's greeting. For `followup doctor`."""
    smtp = client_for(account, secret, timeout=timeout)
    where = f"account {account.name!r}: the SMTP server {account.smtp.host}:{account.smtp.port}"
    try:
        response = await smtp.connect()
    except aiosmtplib.SMTPConnectTimeoutError:
        raise ServerUnreachable(f"{where} did not answer within {timeout:.0f} s.") from None
    except aiosmtplib.SMTPConnectError as exc:
        raise ServerUnreachable(_connect_problem(where, exc)) from None
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise LoginRefused(
            f"{where} refused the login of {account.login!r} ({exc.message}); check the "
            "username and the password source."
        ) from None
    except aiosmtplib.SMTPServerDisconnected as exc:
        raise ConnectionLost(f"{where} dropped the connection ({exc}).") from None
    except aiosmtplib.SMTPException as exc:
        raise MailServerError(f"{where} refused the session: {exc}") from None
    try:
        await smtp.quit()
    except aiosmtplib.SMTPException:
        smtp.close()
    return response.message


async def deliver(
    account: AccountSettings,
    secret: Secret,
    raw: bytes,
    sender: str,
    recipients: list[str],
    *,
    timeout: float = 60.0,
) -> str:
    """Hand `raw` over to the account's SMTP server; returns the server's final answer.

    The steps run one at a time so a failure says whether the message could have been
    delivered: anything that goes wrong up to and including RCPT, or a refusal of DATA, raises
    SendRefused (nothing delivered; `permanent` for 5xx); a connection lost or a timeout while
    the message is being handed over raises SendUncertain (RFC 1047: it may have arrived).
    """
    smtp = client_for(account, secret, timeout=timeout)
    where = f"account {account.name!r}: the SMTP server {account.smtp.host}:{account.smtp.port}"
    try:
        await smtp.connect()
        await smtp.mail(sender)
        for recipient in recipients:
            await smtp.rcpt(recipient)
    except aiosmtplib.SMTPAuthenticationError as exc:
        smtp.close()
        raise SendRefused(
            f"{where} refused the login of {account.login!r} ({exc.message}); nothing was "
            "sent. Check the password source; the message stays approved.",
            permanent=False,
        ) from None
    except aiosmtplib.SMTPResponseException as exc:
        smtp.close()
        raise SendRefused(
            f"{where} refused the message before it was sent ({exc.code} {exc.message}).",
            permanent=exc.code >= 500,
        ) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        smtp.close()
        raise SendRefused(
            f"{where} could not be used ({exc}); nothing was sent.", permanent=False
        ) from None
    try:
        response = await smtp.data(raw)
    except aiosmtplib.SMTPResponseException as exc:
        smtp.close()
        raise SendRefused(
            f"{where} refused the message ({exc.code} {exc.message}).",
            permanent=exc.code >= 500,
        ) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        smtp.close()
        raise SendUncertain(
            f"{where} lost the connection while the message was handed over ({exc}); it may "
            "or may not have been delivered."
        ) from None
    try:
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError):
        smtp.close()  # delivered already: a failed goodbye changes nothing
    return f"{response.code} {response.message}"


def _connect_problem(where: str, exc: aiosmtplib.SMTPConnectError) -> str:
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, socket.gaierror):
        return f"{where} cannot be found (DNS: {cause.strerror}); check smtp.host."
    if isinstance(cause, ConnectionRefusedError):
        return f"{where} refused the connection; check smtp.port and smtp.security."
    if isinstance(cause, ssl.SSLError):
        return (
            f"{where} failed the TLS handshake ({cause.reason or cause}); port 465 wants "
            "security: tls, port 587 security: starttls."
        )
    return f"{where} could not be reached: {exc}."
