//! The per-month step allocates nothing: a counting global allocator watches 100 steps.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use dyadsim::model::{Dyad, Params};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_dyad_month_does_not_allocate() {
    let p = Params {
        months: 100,
        ..Default::default()
    };
    for seed in 0..20 {
        let mut d = Dyad::new(&p, seed);
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        let mut steps = 0;
        while !d.finished() {
            std::hint::black_box(d.step());
            steps += 1;
        }
        let after = ALLOCATIONS.load(Ordering::SeqCst);
        assert!(steps > 0);
        assert_eq!(
            after - before,
            0,
            "seed {seed}: {} allocations in {steps} steps",
            after - before
        );
        // The outcome is read without allocating either.
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        std::hint::black_box(d.outcome());
        assert_eq!(ALLOCATIONS.load(Ordering::SeqCst) - before, 0);
    }
}
