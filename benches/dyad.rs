//! Criterion benches: one dyad-month, one 100-month run, and sweep throughput with
//! aggregation. `cargo bench`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dyadsim::experiment::{RunOptions, run};
use dyadsim::model::{Dyad, Params, simulate};
use dyadsim::scenario::{Overrides, parse};

fn params_100() -> Params {
    Params {
        months: 100,
        ..Default::default()
    }
}

fn dyad_month(c: &mut Criterion) {
    let p = params_100();
    let mut g = c.benchmark_group("dyad");
    g.throughput(Throughput::Elements(100));
    // 100 steps of one dyad per iteration: time per element = one dyad-month.
    let mut seed = 0u64;
    g.bench_function("dyad_month (x100)", |b| {
        b.iter(|| {
            seed = seed.wrapping_add(1);
            let mut d = Dyad::new(&p, seed);
            while !d.finished() {
                black_box(d.step());
            }
        })
    });
    g.finish();
}

fn full_run(c: &mut Criterion) {
    let p = params_100();
    let mut seed = 0u64;
    c.bench_function("run_100_months", |b| {
        b.iter(|| {
            seed = seed.wrapping_add(1);
            black_box(simulate(&p, seed))
        })
    });
}

fn sweep(c: &mut Criterion) {
    let (s, _) = parse(
        "[scenario]\nname = \"bench\"\nseed = 1\nreplications = 4000\nmonths = 100\n[output]\nruns = false\ntimeseries = true\nplots = false\n",
        "bench",
        Overrides::default(),
    )
    .expect("valid bench scenario");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(s.total_runs()));
    for threads in [1usize, 2] {
        let opts = RunOptions {
            out_dir: dir.path().join(format!("t{threads}")),
            threads,
            shard: (1, 1),
            resume: false,
            checkpoint_seconds: dyadsim::experiment::CHECKPOINT_SECONDS,
        };
        g.bench_function(format!("runs_with_aggregation/threads={threads}"), |b| {
            b.iter(|| {
                run(&s, &opts, &mut |_| std::ops::ControlFlow::Continue(())).expect("bench run")
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    // Criterion's HTML charts need system fonts; the figures are not needed here.
    config = Criterion::default().without_plots();
    targets = dyad_month, full_run, sweep
}
criterion_main!(benches);
