#!/usr/bin/env bash
# Makes sure a headless-capable Chromium is on the machine for the digest screenshot test
# (tests/test_digest_screenshot.py opens the digest's HTML part at a phone's width).
set -euo pipefail

# Debian ships the browser as /usr/bin/chromium; other systems name it differently.
have_chromium() {
    local name
    for name in chromium chromium-browser google-chrome-stable google-chrome; do
        command -v "$name" >/dev/null 2>&1 && return 0
    done
    return 1
}

if have_chromium; then
    exit 0
fi
echo "Chromium is missing: installing the Debian package chromium for the digest screenshot test ..." >&2
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "The tests need Chromium (Debian package chromium) and this user cannot install it." >&2
    echo "Run: sudo apt-get install chromium   then run the tests again." >&2
    exit 2
fi
command -v apt-get >/dev/null 2>&1 || {
    echo "No apt-get here: install Chromium with your package manager, then run the tests again." >&2
    exit 2
}

"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
# No recommends: the test needs the headless browser, not desktop integration or extra fonts.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium >&2

have_chromium || {
    echo "chromium was installed but no chromium program is on PATH." >&2
    exit 2
}
