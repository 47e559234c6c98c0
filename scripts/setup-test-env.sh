#!/usr/bin/env bash
# Installs what the full test suite needs on a fresh Debian 12 machine and nothing else:
#   - PostgreSQL server and client (the storage tests start their own throwaway cluster
#     from /usr/lib/postgresql/<version>/bin; see crates/testkit),
#   - Debian's Chromium and ChromeDriver (browser tests),
#   - a font with Chinese glyphs, so screenshots show text rather than boxes,
#   - the npm packages of tests/browser, when they are not installed yet.
# Idempotent; silent when everything is present; says what it installs.
# Run as root (CI and developer machines are), or with sudo available.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null; then
    as_root=(sudo)
else
    echo "setup-test-env: run as root (or install sudo) to install Debian packages" >&2
    exit 1
fi

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

has_candidate() {
    local candidate
    candidate=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
    [[ -n $candidate && $candidate != "(none)" ]]
}

lists_updated=false
update_lists_once() {
    if ! $lists_updated; then
        echo "setup-test-env: apt-get update"
        "${as_root[@]}" apt-get update -qq
        lists_updated=true
    fi
}

wanted=(postgresql postgresql-client chromium chromium-driver)

# Any one font with Chinese glyphs will do. fonts-wqy-microhei is about 1.6 MB against
# 56 MB for fonts-noto-cjk, so it is preferred when the archive has it.
cjk_fonts=(fonts-wqy-microhei fonts-noto-cjk)
have_cjk_font=false
for font in "${cjk_fonts[@]}"; do
    if is_installed "$font"; then
        have_cjk_font=true
    fi
done

missing=()
for package in "${wanted[@]}"; do
    if ! is_installed "$package"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)) || ! $have_cjk_font; then
    # Refresh the lists before installing: a fresh machine may have none, or stale ones that
    # name versions the mirror no longer serves.
    update_lists_once
    for package in "${missing[@]}"; do
        if ! has_candidate "$package"; then
            echo "setup-test-env: no Debian package named $package in the configured archives" >&2
            exit 1
        fi
    done
    if ! $have_cjk_font; then
        font_found=false
        for font in "${cjk_fonts[@]}"; do
            if has_candidate "$font"; then
                missing+=("$font")
                font_found=true
                break
            fi
        done
        if ! $font_found; then
            echo "setup-test-env: none of ${cjk_fonts[*]} is in the configured archives" >&2
            exit 1
        fi
    fi

    # Without systemd, the postgresql package's attempt to start its default cluster fails the
    # install. A policy-rc.d that answers 101 ("action forbidden") makes invoke-rc.d skip every
    # service start; the tests start their own server on their own port anyway. A policy-rc.d
    # that is already there (containers often ship one) is left as it is.
    policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# Written by scripts/setup-test-env.sh while it installs packages.\nexit 101\n' \
            | "${as_root[@]}" tee "$policy" >/dev/null
        "${as_root[@]}" chmod 755 "$policy"
        trap '"${as_root[@]}" rm -f "$policy"' EXIT
    fi

    echo "setup-test-env: installing ${missing[*]}"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The tests need the server binaries themselves, which is what the package is for; say so
# plainly if they are still not where crates/testkit looks.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    echo "setup-test-env: postgresql is installed but /usr/lib/postgresql/*/bin/initdb is missing" >&2
    exit 1
fi

browser_dir=$repo_root/tests/browser
if [[ -f $browser_dir/package.json && ! -d $browser_dir/node_modules ]]; then
    if ! command -v npm >/dev/null; then
        echo "setup-test-env: npm is needed for tests/browser but is not installed" >&2
        exit 1
    fi
    if [[ -f $browser_dir/package-lock.json ]]; then
        echo "setup-test-env: npm ci in tests/browser"
        (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error)
    else
        echo "setup-test-env: npm install in tests/browser (no package-lock.json)"
        (cd "$browser_dir" && npm install --no-audit --no-fund --loglevel=error)
    fi
fi
