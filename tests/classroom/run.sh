#!/usr/bin/env bash
# The classroom page in a real browser (issue 14): Debian's Chromium and ChromeDriver,
# driven from Rust over WebDriver (tests/classroom_browser.rs). Installs the two packages
# with apt-get when they are missing (needs root), runs the test, which starts and stops
# its own `dyadsim classroom` server and ChromeDriver, and lists the screenshots it saved
# under target/classroom/.
#
#   bash tests/classroom/run.sh            # release build, as .ci/run runs it
#   CLASSROOM_PROFILE=dev bash tests/classroom/run.sh   # debug build, quicker to compile
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "tests/classroom/run.sh: ${need[*]} missing; install them as root (apt-get install ${need[*]})" >&2
        exit 1
    fi
    echo "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
/usr/bin/chromium --version
/usr/bin/chromedriver --version

profile=()
if [ "${CLASSROOM_PROFILE:-release}" = release ]; then
    profile=(--release)
fi
started=$(date +%s)
DYADSIM_BROWSER_TEST=1 cargo test "${profile[@]}" --test classroom_browser -- --nocapture
echo "browser test in $(( $(date +%s) - started )) s; screenshots:"
ls -1 target/classroom/*.png
