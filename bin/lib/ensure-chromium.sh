#!/usr/bin/env bash
# Debian's chromium and chromium-driver, for the report page's browser test: installed with
# apt-get when missing (CI runs as root on a fresh Debian machine). Where they cannot be
# installed this says why and returns; the browser test then fails naming what is missing.
set -euo pipefail

if command -v chromium > /dev/null 2>&1 && command -v chromedriver > /dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null 2>&1; then
  echo "browser: chromium and chromedriver are missing and cannot be installed here (needs root and apt-get):" \
    "install Debian's chromium and chromium-driver" >&2
  exit 0
fi
echo "browser: installing Debian's chromium and chromium-driver" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium chromium-driver > /dev/null
