#!/usr/bin/env bash
# Makes sure a Dovecot IMAP server is on the machine for the test suite.
# The tests start their own private instance on 127.0.0.1; the system service is not used.
set -euo pipefail

# dovecot-core alone ships the master binary but not the IMAP server (dovecot-imapd),
# so look for both.
have_dovecot_imap() {
    command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || return 1
    local dir
    for dir in /usr/lib/dovecot /usr/libexec/dovecot /usr/local/libexec/dovecot; do
        [ -x "$dir/imap" ] && [ -x "$dir/imap-login" ] && return 0
    done
    return 1
}

if have_dovecot_imap; then
    exit 0
fi
echo "Dovecot's IMAP server is missing: installing the Debian package dovecot-imapd for the tests ..." >&2
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "The tests need Dovecot (Debian package dovecot-imapd) and this user cannot install it." >&2
    echo "Run: sudo apt-get install dovecot-imapd   then run the tests again." >&2
    exit 2
fi
command -v apt-get >/dev/null 2>&1 || {
    echo "No apt-get here: install Dovecot's IMAP server with your package manager, then run the tests again." >&2
    exit 2
}

# The system service is not wanted. Debian's maintainer scripts ask invoke-rc.d, which
# obeys /usr/sbin/policy-rc.d (exit 101 = "do not start"); install one only for the
# duration of the install, and only when the machine has none of its own.
policy=/usr/sbin/policy-rc.d
remove_policy=no
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 0755 "$policy"
    remove_policy=yes
fi
cleanup() {
    if [ "$remove_policy" = yes ]; then
        "${sudo[@]}" rm -f "$policy"
    fi
}
trap cleanup EXIT

"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq dovecot-imapd >&2

have_dovecot_imap || {
    echo "dovecot-imapd was installed but its imap and imap-login programs were not found." >&2
    exit 2
}
