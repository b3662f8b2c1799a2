"""Offline sources: .eml files, folders, mbox (Google Takeout) and Maildir, with folder roles."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from tracker.errors import UsageError
from tracker.mail.sources import read_sources

OWNER = "alex@example.com"


def mail(sender: str, subject: str, extra: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: someone@example.org\r\nSubject: {subject}\r\n{extra}"
        f"Message-ID: <{subject.replace(' ', '-')}@test>\r\n\r\nbody of {subject}\r\n"
    ).encode()


def test_folder_of_eml_files_skips_what_is_not_mail(tmp_path: Path) -> None:
    (tmp_path / "b.eml").write_bytes(mail("Dana <dana@x.example>", "second"))
    (tmp_path / "a.eml").write_bytes(mail("Alex <ALEX@example.com>", "first"))
    (tmp_path / "README.md").write_text("# notes about this folder\n")
    (tmp_path / "no-extension").write_bytes(mail("lee@y.example", "third"))
    (tmp_path / ".hidden.eml").write_bytes(mail("lee@y.example", "hidden"))
    found = list(read_sources([tmp_path], [OWNER]))
    assert [Path(m.origin).name for m in found] == ["a.eml", "b.eml", "no-extension"]
    assert [m.folder_role for m in found] == ["sent", "inbox", "inbox"]
    assert found[0].raw == mail("Alex <ALEX@example.com>", "first")


def test_explicit_file_that_is_not_mail_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n")
    with pytest.raises(UsageError, match="not a mail file"):
        list(read_sources([path]))


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        list(read_sources([tmp_path / "nowhere"]))


def test_takeout_mbox_uses_gmail_labels(tmp_path: Path) -> None:
    path = tmp_path / "All mail Including Spam and Trash.mbox"
    box = mailbox.mbox(path)
    box.add(mail("dana@x.example", "received", "X-Gmail-Labels: Inbox,Important\r\n"))
    box.add(mail("alex@alias.example", "sent by alias", "X-Gmail-Labels: Sent\r\n"))
    box.add(mail("dana@x.example", "From the start of a line"))
    box.close()
    found = list(read_sources([path], [OWNER]))
    assert [m.folder_role for m in found] == ["inbox", "sent", "inbox"]
    assert [m.origin.rsplit("#", 1)[1] for m in found] == ["0", "1", "2"]
    assert b"Subject: sent by alias" in found[1].raw


def test_mbox_without_suffix_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "export"
    box = mailbox.mbox(path)
    box.add(mail("dana@x.example", "one"))
    box.close()
    assert len(list(read_sources([tmp_path]))) == 1


def test_maildir_with_sent_subfolder(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir")
    box.add(mail("dana@x.example", "inbox message"))
    sent = box.add_folder("Sent")
    sent.add(mail("someone-else@x.example", "written elsewhere but filed in Sent"))
    found = list(read_sources([tmp_path / "Maildir"], [OWNER]))
    roles = sorted((m.folder_role, m.raw.split(b"Subject: ")[1].split(b"\r\n")[0]) for m in found)
    assert roles == [
        ("inbox", b"inbox message"),
        ("sent", b"written elsewhere but filed in Sent"),
    ]


def test_garbled_headers_fall_back_to_inbox(tmp_path: Path) -> None:
    path = tmp_path / "bad.eml"
    path.write_bytes(b"From: \xff\xfe<<<@@>>\r\nSubject: =?bogus?Q?x?=\r\n\r\n\x00\x01")
    [found] = read_sources([path], [OWNER])
    assert found.folder_role == "inbox"
    assert found.read_error is None


def test_eml_file_starting_with_an_mbox_line_is_one_message(tmp_path: Path) -> None:
    path = tmp_path / "saved.eml"
    body = b"first paragraph\r\n\r\nFrom the desk of Dana: a body line that is not a separator\r\n"
    path.write_bytes(
        b"From dana@x.example Mon Nov  2 09:00:00 2026\r\n" + mail("dana@x.example", "s") + body
    )
    [found] = read_sources([path])
    assert found.raw.endswith(body)
