# bash completion for sessq: commands, their flags, -f values, keys for --by, --fields, --sort,
# --partition-by and --ignore, --color values, and files. The commands and flags are read from
# `sessq --help` and `sessq COMMAND --help`, so a new command or flag needs no edit here.

_sessq_keys="source id name type status state result start end duration organization
initiated_by details scope client_host retrieval_id processed_objects progress usn policy_id
policy_name protected_instances repository_id repository_name reason day month hour"

# Completes the last key of a comma list ("source,mo" -> "source,month"); with $2 set, a key may
# carry a leading '-' (--sort).
_sessq_key_list()
{
    local cur=$1 signs=$2 head="" last=$1 sign="" k
    if [[ $cur == *,* ]]; then
        head=${cur%,*},
        last=${cur##*,}
    fi
    if [[ -n $signs && $last == -* ]]; then
        sign=-
        last=${last#-}
    fi
    COMPREPLY=()
    for k in $_sessq_keys; do
        [[ $k == "$last"* ]] && COMPREPLY+=("$head$sign$k")
    done
    compopt -o nospace 2>/dev/null
}

_sessq_commands()
{
    "$1" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

_sessq()
{
    local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev=""
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    if ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "$(_sessq_commands "$prog") help --help --version" -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]}
    if [[ $cmd == help ]]; then
        ((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W "$(_sessq_commands "$prog")" -- "$cur"))
        return
    fi
    case $prev in
    -f | --format)
        case $cmd in
        check) COMPREPLY=($(compgen -W "text json ndjson csv md table" -- "$cur")) ;;
        export) COMPREPLY=($(compgen -W "ndjson csv" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "table csv json ndjson md" -- "$cur")) ;;
        esac
        return
        ;;
    -b | --by | -F | --fields | -p | --partition-by | --ignore)
        _sessq_key_list "$cur"
        return
        ;;
    -s | --sort)
        _sessq_key_list "$cur" signs
        return
        ;;
    --color)
        COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
        return
        ;;
    -o | --output)
        if [[ $cmd == export ]]; then
            COMPREPLY=($(compgen -d -- "$cur"))
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return
        ;;
    -j | --jobs | -n | --limit | --part-rows | --max-memory | --since | --until | --status | \
        --type | --source | --min-duration | --max-duration | --match | --where)
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        local flags
        flags=$("$prog" "$cmd" --help 2>/dev/null | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' |
            sed 's/^[ ,]*//' | sort -u)
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}

complete -o filenames -F _sessq sessq
