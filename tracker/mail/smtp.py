"""SMTP access for one account: connect and log in (sending arrives with the approval queue).

The only module that talks SMTP. aiosmtplib's errors are translated here into followup's
exception tree, with the account named and the next step said.
"""

from __future__ import annotations

import socket
import ssl

import aiosmtplib

from tracker.config import AccountSettings, Secret
from tracker.errors import ConnectionLost, LoginRefused, MailServerError, ServerUnreachable


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
