"""Mail domains: the part a company registers, the public mail services, the owner's own."""

from __future__ import annotations

from collections.abc import Iterable

# Mail services anyone can have an address at: their domain says nothing about a company.
# Matched on the first label of the registrable domain ("yahoo" in yahoo.co.uk).
PUBLIC_MAIL = frozenset({
    "aol", "bigpond", "btinternet", "comcast", "fastmail", "free", "gmail", "gmx",
    "googlemail", "hey", "hotmail", "icloud", "laposte", "live", "mac", "mail", "me",
    "msn", "orange", "outlook", "posteo", "proton", "protonmail", "qq", "rediffmail", "sfr",
    "sky", "t-online", "telefonica", "terra", "virginmedia", "wanadoo", "web", "yahoo",
    "yandex", "ymail", "zoho",
    "example",  # the reserved test domain: the personal address of documentation and tests
})  # fmt: skip
# Second-level labels under which companies register ("acme.co.uk", "empresa.com.mx").
_SECOND_LEVEL = frozenset({"ac", "co", "com", "edu", "gob", "gov", "net", "or", "org"})


def registrable_domain(domain: str) -> str:
    """The part of a mail domain a company registers: "acme.com" for "eu.mail.acme.com"."""
    labels = domain.lower().strip(".").split(".")
    # Country domains (acme.co.uk), and the reserved test domain written the same way.
    country = len(labels[-1]) == 2 or labels[-1] == "example"
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and country:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def owner_domains(owners: Iterable[str]) -> frozenset[str]:
    return frozenset(registrable_domain(a.rpartition("@")[2]) for a in owners if "@" in a)


def company_domains(owners: Iterable[str]) -> frozenset[str]:
    """The owner's own domains that are a company's (an employer's), not a public service."""
    return frozenset(d for d in owner_domains(owners) if d.split(".", 1)[0] not in PUBLIC_MAIL)
