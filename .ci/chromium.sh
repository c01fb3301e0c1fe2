#!/usr/bin/env bash
# Headless Chromium and a CJK font for the rule-page browser tests (tests/explain): installs
# Debian's chromium and fonts-wqy-microhei with apt-get when Chromium is missing (as root, the
# way .ci/postgres.sh installs PostgreSQL), then prints the browser's path.
set -euo pipefail
if [[ ! -x /usr/bin/chromium ]]; then
    [[ $(id -u) -eq 0 ]] || { echo "chromium.sh: install chromium and fonts-wqy-microhei" >&2; exit 2; }
    echo "chromium.sh: installing chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends chromium fonts-wqy-microhei >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && \
             apt-get install -y -q --no-install-recommends chromium fonts-wqy-microhei \
                 >/dev/null 2>&1; } \
        || { echo "chromium.sh: could not install chromium" >&2; exit 2; }
fi
echo /usr/bin/chromium
