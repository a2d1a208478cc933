#!/usr/bin/env bash
# `dyadsim slurm` on a real SLURM cluster: a single-node cluster (munged, slurmctld,
# slurmd) started on this machine in a temporary folder, the generated array and merge
# jobs submitted to it, and the merged output compared byte for byte with an unsharded
# `dyadsim run`; then one array task crashes mid-run, is submitted again, resumes from its
# checkpoint, and the merge gives the same bytes again.
#
# Needs root (it installs Debian's slurm-wlm and munge with apt-get when they are missing
# and runs the daemons). Every daemon it starts is stopped, and its folder removed, on any
# exit. Environment:
#   DYADSIM=PATH       the binary to test (default: target/release/dyadsim, built when
#                      missing or older than the sources)
#   SLURM_TEST_WAIT=S  longest wait for a node or a set of jobs, seconds (default 300)
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$SECONDS
wait_limit=${SLURM_TEST_WAIT:-300}

say() { printf 'slurm: %s\n' "$*"; }
die() { printf 'slurm: FAILED: %s\n' "$*" >&2; exit 1; }

ulimit -c 0 # the crash of test 2 is an abort, which needs no core file
[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts the SLURM daemons)"

# --- packages ------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    # Keep the packages' services from starting: this script runs its own daemons.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    apt_install() { apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; }
    status=0
    apt_install || { apt-get update -qq && apt_install; } || status=$?
    [ "$own_policy" -eq 0 ] || rm -f /usr/sbin/policy-rc.d
    [ "$status" -eq 0 ] || die "apt-get could not install slurm-wlm and munge"
fi
say "packages ready after $((SECONDS - t0)) s"

# --- the binary under test -----------------------------------------------------------
if [ -z "${DYADSIM:-}" ]; then
    DYADSIM=$PWD/target/release/dyadsim
    # Built when missing or older than the sources (CI's release tests have just built it).
    if [ ! -x "$DYADSIM" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$DYADSIM" -print -quit)" ]; then
        say "building the release binary"
        cargo build --release --quiet
    fi
fi
[ -x "$DYADSIM" ] || die "$DYADSIM is not an executable"

# --- a single-node cluster in a temporary folder ---------------------------------------
tmp=$(mktemp -d /tmp/dyadsim-slurm.XXXXXX)
chmod 755 "$tmp"
conf=$tmp/slurm.conf
export SLURM_CONF=$conf
munge_pid='' ctld_pid='' slurmd_pid='' test_pid=''

# Stop a process this script started: TERM, a bounded wait, then KILL.
stop() {
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Job steps and jobs of this cluster: every one inherits its SLURM_CONF.
our_processes() {
    local pid
    for pid in $(pgrep -x slurmstepd; pgrep -x dyadsim); do
        if { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qxF "SLURM_CONF=$conf"; then
            echo "$pid"
        fi
    done
}

cleanup() {
    local rc=$? i pid
    trap - EXIT INT TERM
    stop "$test_pid"
    if [ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2>/dev/null; then
        scancel --partition=dyadsim >/dev/null 2>&1 || true
        for ((i = 0; i < 100; i++)); do
            [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    # Finished jobs' steps report to slurmd before they end; wait until the ones younger
    # than this script are gone, reaped included (only waiting: foreign ones are not
    # touched).
    for ((i = 0; i < 50; i++)); do
        [ -z "$(ps -C slurmstepd -o etimes= | awk -v age="$SECONDS" '$1 <= age')" ] && break
        sleep 0.2
    done
    stop "$slurmd_pid"
    stop "$ctld_pid"
    stop "$munge_pid"
    # Whatever a failure left behind.
    for pid in $(our_processes); do
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A TCP port from $1 on that nobody listens on (from the kernel's socket tables).
free_port() {
    local p used
    used=$(awk '$4 == "0A" { split($2, a, ":"); print a[length(a)] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true)
    for ((p = $1; p < $1 + 200; p++)); do
        if ! grep -qx "$(printf '%04X' "$p")" <<<"$used"; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

host=$(hostname -s)
cpus=$(nproc)
mem_total=$(free -m | awk '/^Mem:/ {print $2}')
mem=$((mem_total * 8 / 10)) # slurmd drains a node that has less than it is configured with
ctld_port=$(free_port 16817) || die "no free TCP port from 16817"
slurmd_port=$(free_port $((ctld_port + 1))) || die "no free TCP port for slurmd"
mkdir -p "$tmp"/{munge,state,spool,log}
chmod 700 "$tmp/munge"

dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
munged --foreground --force \
    --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/socket" \
    --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/log/munged.log" \
    --seed-file="$tmp/munge/seed" >"$tmp/log/munged.out" 2>&1 &
munge_pid=$!

cat >"$conf" <<EOF
ClusterName=dyadsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=dyadsim Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

for ((i = 0; i < 50; i++)); do
    [ -S "$tmp/munge/socket" ] && break
    kill -0 "$munge_pid" 2>/dev/null || break
    sleep 0.1
done
[ -S "$tmp/munge/socket" ] || {
    cat "$tmp"/log/munged.* >&2 || true
    die "munged did not start"
}

slurmctld -D -c -f "$conf" >"$tmp/log/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -f "$conf" -N "$host" >"$tmp/log/slurmd.out" 2>&1 &
slurmd_pid=$!

logs() {
    local f
    for f in "$tmp"/log/*; do
        printf -- '--- %s\n' "${f##*/}" >&2
        tail -n 30 "$f" >&2 || true
    done
}

state=''
for ((i = 0; i < wait_limit * 2; i++)); do
    state=$(sinfo -h -n "$host" -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    kill -0 "$ctld_pid" 2>/dev/null || break
    kill -0 "$slurmd_pid" 2>/dev/null || break
    sleep 0.5
done
if [ "$state" != idle ]; then
    logs
    die "node $host is not idle after ${wait_limit}s (state: '${state:-none}'; daemon logs above)"
fi
say "$(sinfo --version): node $host idle ($cpus CPUs, $mem MB) after $((SECONDS - t0)) s"

# --- the jobs ------------------------------------------------------------------------
# Job files live under a path with a space, which the scripts must quote.
work="$tmp/my sims"
mkdir -p "$work"
scenario="$work/sweep.toml"
cat >"$scenario" <<'EOF'
[scenario]
name = "sweep"
seed = 2024
replications = 2000
months = 48

[output]
plots = false

[sweep]
design = "grid"

[sweep.buyer]
engagement = { values = [0.2, 0.4, 0.6, 0.8] }
EOF
"$DYADSIM" run "$scenario" --out "$work/whole" --quiet

# Wait until none of the given jobs is queued or running.
wait_jobs() {
    local ids=$1 i
    for ((i = 0; i < wait_limit * 2; i++)); do
        [ -z "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    squeue -j "$ids" >&2 || true
    return 1
}

# The states of a job's tasks while slurmctld keeps them (MinJobAge), e.g. `4 COMPLETED`.
job_states() {
    scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort | uniq -c |
        awk '{ printf "%s%d %s", (NR > 1 ? ", " : ""), $1, $2 }'
}

same_outputs() {
    local f
    for f in runs.csv points.csv timeseries.csv summary.csv; do
        cmp "$work/whole/sweep/$f" "$1/$f" || { echo "$f differs from the unsharded run" >&2; return 1; }
    done
}

# Test 1: the generated jobs submitted as printed; the merge equals an unsharded run.
test_submit_and_merge() {
    local out="$work/out1" job jid mid
    "$DYADSIM" slurm "$scenario" --tasks 4 --time 00:10:00 --mem 200M --out "$out" >"$work/slurm1.txt"
    job="$out/sweep-slurm"
    grep -q 'jid=$(sbatch --parsable array.sh)' "$work/slurm1.txt"
    cd "$job"
    jid=$(sbatch --parsable array.sh)
    mid=$(sbatch --parsable --dependency=afterok:"$jid" merge.sh)
    cd - >/dev/null
    wait_jobs "$jid,$mid" || { echo "jobs $jid, $mid still queued after ${wait_limit}s" >&2; return 1; }
    say "  array job $jid: $(job_states "$jid"); merge job $mid: $(job_states "$mid")"
    [ "$(job_states "$jid")" = "4 COMPLETED" ] || return 1
    [ "$(job_states "$mid")" = "1 COMPLETED" ] || return 1
    [ -f "$job/logs/array-${jid}_1.out" ] || { echo "no log of task 1" >&2; return 1; }
    grep -q '^progress: .*runs/s, ETA' "$job/logs/array-${jid}_1.out" \
        || { echo "no progress lines in the log of task 1" >&2; return 1; }
    [ -f "$job/logs/merge-$mid.out" ] || { echo "no log of the merge" >&2; return 1; }
    same_outputs "$out/sweep"
}

# Test 2: task 3 crashes mid-run (DYADSIM_ABORT_AFTER_CHUNKS) and leaves a checkpoint; the
# merge waits forever; it is cancelled, task 3 is submitted again as docs/CLUSTER.md says
# and resumes, a new merge runs, and the bytes equal the unsharded run again.
test_crash_resume_and_merge() {
    local out="$work/out2" job jid jid3 mid again mid2 reason shard3
    "$DYADSIM" slurm "$scenario" --tasks 4 --out "$out" >/dev/null
    job="$out/sweep-slurm"
    shard3="$job/shards/3/sweep"
    cd "$job"
    jid=$(sbatch --parsable --array=1,2,4 array.sh)
    # 8 chunks per task, one thread: the abort comes after the first batch of 4.
    jid3=$(sbatch --parsable --array=3 --export=ALL,DYADSIM_ABORT_AFTER_CHUNKS=1 array.sh)
    mid=$(sbatch --parsable --dependency=afterok:"$jid":"$jid3" merge.sh)
    cd - >/dev/null
    wait_jobs "$jid,$jid3" || { echo "jobs $jid, $jid3 still queued" >&2; return 1; }
    say "  tasks 1,2,4 ($jid): $(job_states "$jid"); task 3 ($jid3): $(job_states "$jid3")"
    [ "$(job_states "$jid")" = "3 COMPLETED" ] || return 1
    [ "$(job_states "$jid3")" = "1 FAILED" ] || return 1
    [ -f "$shard3/checkpoint.json" ] || { echo "task 3 left no checkpoint" >&2; return 1; }
    [ ! -e "$shard3/manifest.json" ] || { echo "crashed task 3 looks complete" >&2; return 1; }
    for ((i = 0; i < 20; i++)); do
        reason=$(squeue -h -j "$mid" -o %r 2>/dev/null || true)
        [ "$reason" = DependencyNeverSatisfied ] && break
        sleep 0.5
    done
    say "  merge job $mid: pending, $reason"
    [ "$reason" = DependencyNeverSatisfied ] || return 1
    scancel "$mid"
    cd "$job"
    again=$(sbatch --parsable --array=3 array.sh)
    mid2=$(sbatch --parsable --dependency=afterok:"$again" merge.sh)
    cd - >/dev/null
    wait_jobs "$again,$mid2" || { echo "jobs $again, $mid2 still queued" >&2; return 1; }
    say "  task 3 again ($again): $(job_states "$again"); merge job $mid2: $(job_states "$mid2")"
    [ "$(job_states "$again")" = "1 COMPLETED" ] || return 1
    [ "$(job_states "$mid2")" = "1 COMPLETED" ] || return 1
    grep -q '"resumed": true' "$shard3/manifest.json" || { echo "task 3 did not resume" >&2; return 1; }
    same_outputs "$out/sweep"
}

passed=0 failed=0
for t in test_submit_and_merge test_crash_resume_and_merge; do
    started=$SECONDS
    # In the background, so that a signal to this script is handled at once.
    (set -e; "$t") &
    test_pid=$!
    set +e
    wait "$test_pid"
    rc=$?
    set -e
    test_pid=''
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        say "ok   $t ($((SECONDS - started)) s)"
    else
        failed=$((failed + 1))
        say "FAIL $t"
        squeue >&2 || true
        logs
        tail -n 20 "$work"/out*/sweep-slurm/logs/* >&2 2>/dev/null || true
    fi
done
say "$passed passed, $failed failed ($((SECONDS - t0)) s)"
[ "$failed" -eq 0 ]
