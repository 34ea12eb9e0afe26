# Shared by testbeds/slurm/start and testbeds/slurm/stop (sourced, not run).
# Every file the test bed writes lives under one folder: DASK_BENCH_SLURM_DIR, by default
# testbeds/slurm/run/ next to this file.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="${DASK_BENCH_SLURM_DIR:-$HERE/run}"
# Absolute, so that the paths written into slurm.conf do not depend on the caller's directory.
case "$RUN_DIR" in
    /*) ;;
    *) RUN_DIR="$PWD/$RUN_DIR" ;;
esac
CONF="$RUN_DIR/slurm.conf"
PID_DIR="$RUN_DIR/pid"
LOG_DIR="$RUN_DIR/log"
NODES=(node1 node2 node3 node4)
export SLURM_CONF="$CONF"

fail() {
    echo "slurm testbed: error: $*" >&2
    exit 1
}

say() {
    echo "slurm testbed: $*" >&2
}

ctld_pid_file() { echo "$PID_DIR/slurmctld.pid"; }
slurmd_pid_file() { echo "$PID_DIR/slurmd-$1.pid"; }

# PID from a daemon's PID file when that process is alive and was started with our slurm.conf
# (a stale file may name a PID the system has since given to another program).
live_pid() {
    local file="$1" pid state
    # The daemon may delete its file while we read it.
    pid="$(tr -dc '0-9' 2>/dev/null <"$file")" || return 1
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    # A stopped daemon nobody reaped stays as a zombie: it counts as stopped.
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
    [ "$state" != Z ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CONF" || return 1
    echo "$pid"
}

# Last lines of every log of the test bed, to explain a failure.
log_tail() {
    local f
    for f in "$LOG_DIR"/*; do
        [ -s "$f" ] || continue
        echo "----- $f (last 15 lines) -----" >&2
        tail -n 15 "$f" >&2
    done
}
