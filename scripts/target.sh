# shellcheck shell=bash
# The Home Assistant targets the suite runs on, shared by scripts/setup, scripts/test
# and scripts/browser-test. `parse_target "$@"` reads `--ha minimum|newest` (default:
# minimum, or $HA_TARGET) and sets TARGET, VENV, REQUIREMENTS, MIN_PYTHON, PYTHON_HINT,
# and ARGS (the remaining arguments).

parse_target() {
    TARGET="${HA_TARGET:-minimum}"
    ARGS=()
    while (($#)); do
        case "$1" in
            --ha) TARGET="${2:?--ha needs minimum or newest}"; shift 2 ;;
            --ha=*) TARGET="${1#--ha=}"; shift ;;
            *) ARGS+=("$1"); shift ;;
        esac
    done
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
        *)
            printf 'Unknown Home Assistant target %s: use --ha minimum or --ha newest\n' "$TARGET" >&2
            exit 2
            ;;
    esac
    REQUIREMENTS="requirements_ha_$TARGET.txt"
}
