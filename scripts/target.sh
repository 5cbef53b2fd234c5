# shellcheck shell=bash
# The Home Assistant targets the suite runs on, shared by scripts/setup, scripts/test
# and scripts/browser-test. `parse_target "$@"` reads `--ha minimum|newest|latest`
# (default: minimum, or $HA_TARGET) and sets TARGET, VENV, REQUIREMENTS, MIN_PYTHON,
# PYTHON_HINT, STARTUP_MODULE and ARGS (the remaining arguments).
#
#   minimum   .venv          Home Assistant 2026.2.3 (the oldest we support), Python 3.13
#   newest    .venv-newest   Home Assistant 2026.10.4 (the newest the test plugin is built for)
#   latest    .venv-latest   Home Assistant 2026.11.0 (what users update to), Python >= 3.14.2,
#                            with the test plugin built for 2026.10.4 and a start-up shim
#
# STARTUP_MODULE names a module of scripts/startup/ whose install() the target's
# interpreter calls at start (scripts/setup writes a .pth file for it), or is empty.

parse_target() {
    TARGET="${HA_TARGET:-minimum}"
    ARGS=()
    while (($#)); do
        case "$1" in
            --ha) TARGET="${2:?--ha needs minimum, newest or latest}"; shift 2 ;;
            --ha=*) TARGET="${1#--ha=}"; shift ;;
            *) ARGS+=("$1"); shift ;;
        esac
    done
    STARTUP_MODULE=""
    case "$TARGET" in
        minimum)
            VENV="$ROOT/.venv"
            MIN_PYTHON="3, 13"
            PYTHON_HINT="Install one (e.g. 'pyenv install 3.13') or set PYTHON=/path/to/python3.13."
            ;;
        newest)
            VENV="$ROOT/.venv-newest"
            MIN_PYTHON="3, 14, 2"
            PYTHON_HINT="Put python3.14 on PATH or set PYTHON314=/path/to/python3.14."
            ;;
        latest)
            VENV="$ROOT/.venv-latest"
            MIN_PYTHON="3, 14, 2"
            PYTHON_HINT="Put python3.14 on PATH or set PYTHON314=/path/to/python3.14."
            # Remove when a pytest-homeassistant-custom-component for 2026.11 exists.
            STARTUP_MODULE="ha_latest_compat"
            ;;
        *)
            printf 'Unknown Home Assistant target %s: use --ha minimum, newest or latest\n' "$TARGET" >&2
            exit 2
            ;;
    esac
    REQUIREMENTS="requirements_ha_$TARGET.txt"
}
