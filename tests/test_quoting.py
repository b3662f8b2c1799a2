"""split_quoted as a table: plain text in, (new text, quoted text, signature) out."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.understand.quoting import QuoteSplit, split_quoted

# (id, text, new_text, quoted_text starts with, signature)
CASES: list[tuple[str, str, str, str, str]] = [
    ("no-quote", "Just a note.\nSecond line.", "Just a note.\nSecond line.", "", ""),
    (
        "postscript-after-the-signature",
        "Hi Mia,\n\nThey have two more people to see.\n\nCheers,\nJosh\n\n"
        "P.S. Realistically you'll hear from me by COB Friday week.\n\n"
        "From: Mia <mia@x.example>\nSent: Tuesday\nTo: Josh\nSubject: Re: Interview\n\nHi Josh",
        "Hi Mia,\n\nThey have two more people to see.\n\n"
        "P.S. Realistically you'll hear from me by COB Friday week.",
        "From: Mia",
        "Cheers,\nJosh",
    ),
    ("empty", "", "", "", ""),
    (
        "outlook-es-enviado-el",
        "Gracias, Lucía.\n\nDe: Sergio Martín <sergio@x.example>\n"
        "Enviado el: viernes, 28 de agosto de 2026 12:00\nPara: Lucía\nAsunto: Oferta\n\n"
        "Le daremos una respuesta antes del viernes.",
        "Gracias, Lucía.",
        "De: Sergio Martín",
        "",
    ),
    (
        "gmail-en",
        "Hello\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan One <xxx@gmail.com> wrote:\n\n> Hi",
        "Hello",
        "On Mon, Apr 2, 2012",
        "",
    ),
    (
        "gmail-en-wrapped-three-lines",
        "Hello\n\nOn Mon, Apr 2, 2012 at 6:26 PM,\nMegan One <\nxxx@gmail.com> wrote:\n> Hi",
        "Hello",
        "On Mon, Apr 2, 2012",
        "",
    ),
    (
        "thunderbird-bottom-post",
        "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\nHello",
        "Hello",
        "On 04/02/2012",
        "",
    ),
    (
        "apple-mail-attribution-inside-quote",
        "Hello\n> On 22 Aug 2015, at 19:21, Adam <a@b.example> wrote:\n>\n> Hi there!",
        "Hello",
        "> On 22 Aug",
        "",
    ),
    (
        "android-russian-wrapped",
        'Hello\n02.04.2012 14:20 пользователь "bob@x.example" <\nbob@x.example> написал:\n\n> Hi',
        "Hello",
        "02.04.2012",
        "",
    ),
    (
        "yahoo-dashed-attribution",
        "Sounds great.\n\n--- On Wed, 4/4/12, x@example.com <x@example.com> wrote:\n\nFrom: x",
        "Sounds great.",
        "--- On Wed",
        "",
    ),
    (
        "outlook-aol-original-message",
        "Hello\n\n-----Original Message-----\nFrom: bob <bob@example.com>\nSent: Mon\n\nHi",
        "Hello",
        "-----Original Message-----",
        "",
    ),
    (
        "outlook-express-spaced-separator",
        "Hello\n\n----- Original Message -----\nFrom: bob\nTo: x\nSent: Monday\n\nHi",
        "Hello",
        "----- Original Message -----",
        "",
    ),
    (
        "outlook-bold-headers-from-html",
        "Hello\n\n*From:* Jane\n*Sent:* Monday\n*To:* Alex\n*Subject:* Hi\n\nBody",
        "Hello",
        "*From:* Jane",
        "",
    ),
    (
        "forwarded-gmail",
        "FYI\n\n---------- Forwarded message ---------\nFrom: Jane\nDate: Mon\n\nBody",
        "FYI",
        "---------- Forwarded message",
        "",
    ),
    (
        "forwarded-apple",
        "See below\n\nBegin forwarded message:\n\nFrom: Jane\nSubject: x",
        "See below",
        "Begin forwarded message:",
        "",
    ),
    (
        "german-weitergeleitet",
        "Zur Info\n\n-------- Weitergeleitete Nachricht --------\nBetreff: x",
        "Zur Info",
        "-------- Weitergeleitete",
        "",
    ),
    (
        "spanish-mensaje-original",
        "Gracias\n\n-----Mensaje original-----\nDe: Jane\nEnviado: lunes\nPara: Alex",
        "Gracias",
        "-----Mensaje original-----",
        "",
    ),
    (
        "french-message-d-origine",
        "Merci\n\n-----Message d'origine-----\nDe : Jane",
        "Merci",
        "-----Message d'origine-----",
        "",
    ),
    (
        "gt-quote-first-then-answer",
        "> Can you start in March?\n\nYes, March works.",
        "Yes, March works.",
        "> Can you start",
        "",
    ),
    (
        "sparrow-signature-and-quote",
        "Hello \n\n-- \nxxx\nSent with Sparrow (http://www.sparrowmailapp.com/?sig)\n\n\n"
        "On Tuesday, April 3, 2012 at 4:55 PM, xxx wrote:\n\n> Hello",
        "Hello",
        "On Tuesday",
        "-- \nxxx\nSent with Sparrow (http://www.sparrowmailapp.com/?sig)",
    ),
    (
        "iphone-signature-then-quote",
        "Hello\n\nSent from my iPhone\n\nOn Apr 3, 2012, at 4:19 PM, bob <b@example.com> wrote:\n"
        "\n> Hi",
        "Hello",
        "On Apr 3, 2012",
        "Sent from my iPhone",
    ),
    (
        "envoye-de-mon-iphone",
        "Oui\n\nEnvoyé de mon iPhone",
        "Oui",
        "",
        "Envoyé de mon iPhone",
    ),
    (
        "enviado-desde-mi-iphone",
        "Sí\n\nEnviado desde mi iPhone",
        "Sí",
        "",
        "Enviado desde mi iPhone",
    ),
    (
        "get-outlook-for-ios",
        "Works for me\n\nGet Outlook for iOS<https://aka.ms/o0ukef>",
        "Works for me",
        "",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
    ),
    (
        "sign-off-german",
        "Hallo Jane,\n\nvielen Dank für das Gespräch.\n\nViele Grüße\nAlex",
        "Hallo Jane,\n\nvielen Dank für das Gespräch.",
        "",
        "Viele Grüße\nAlex",
    ),
    (
        "sign-off-french",
        "Bonjour,\n\nMerci pour l'entretien.\n\nCordialement,\nAlex Martin",
        "Bonjour,\n\nMerci pour l'entretien.",
        "",
        "Cordialement,\nAlex Martin",
    ),
    (
        "sign-off-spanish",
        "Hola Jane,\n\nGracias por la entrevista.\n\nSaludos,\nAlex",
        "Hola Jane,\n\nGracias por la entrevista.",
        "",
        "Saludos,\nAlex",
    ),
    (
        "lone-thanks-is-the-message",
        "Thanks!",
        "Thanks!",
        "",
        "",
    ),
    # Things that look like markers but are not.
    (
        "sentence-starting-with-on-is-not-attribution",
        "On Monday we will decide.\nI wrote: nothing yet.",
        "On Monday we will decide.\nI wrote: nothing yet.",
        "",
        "",
    ),
    (
        "from-line-without-header-block-is-text",
        "From: my side, all good.\nLet me know.",
        "From: my side, all good.\nLet me know.",
        "",
        "",
    ),
    (
        "sign-off-followed-by-paragraphs-is-text",
        "Thanks,\nthis is a long paragraph that goes on and on well past any name block length.\n"
        "More text here.\nAnd here.\nAnd more.\nAnd more again.",
        "Thanks,\nthis is a long paragraph that goes on and on well past any name block length.\n"
        "More text here.\nAnd here.\nAnd more.\nAnd more again.",
        "",
        "",
    ),
]


@pytest.mark.parametrize(
    ("text", "new_text", "quoted_prefix", "signature"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_split_quoted(text: str, new_text: str, quoted_prefix: str, signature: str) -> None:
    split = split_quoted(text)
    assert split.new_text == new_text
    assert split.quoted_text.startswith(quoted_prefix)
    if not quoted_prefix:
        assert split.quoted_text == ""
    assert split.signature == signature


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab >-:\n_OnwroteFm@<")), max_size=400))
def test_split_loses_no_content_line(text: str) -> None:
    split = split_quoted(text)
    assert isinstance(split, QuoteSplit)
    kept = "\n".join((split.new_text, split.quoted_text, split.signature))
    for line in text.splitlines():
        assert line.strip() in kept
