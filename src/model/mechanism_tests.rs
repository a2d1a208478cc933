//! Direction tests for the mechanisms of Model 2 (docs/MODEL.md §7): structural dependence,
//! saturating knowledge, the logit exit, forward-looking choices, the buyer as an agent,
//! trust with history, chance in preparation and the rival mechanisms. Each test moves one
//! input and checks the direction the rule implies, over `N` seeds.

use super::tests::{N, mean_of, records, with};
use super::*;

/// Mean of a monthly record's value at `month` over `N` seeds, over the runs still alive.
fn mean_at(p: &Params, month: u32, f: impl Fn(&MonthRecord) -> f64) -> f64 {
    let (mut s, mut n) = (0.0, 0.0);
    for seed in 0..N {
        if let Some(r) = records(p, seed).iter().find(|r| r.month == month) {
            s += f(r);
            n += 1.0;
        }
    }
    s / n
}

#[test]
fn initial_sales_concentration_matters_for_years() {
    let lo = with(|p| p.supplier.sales_concentration = 0.3);
    let hi = with(|p| p.supplier.sales_concentration = 0.9);
    let d = |p: &Params| mean_at(p, 60, |r| r.supplier_dependence);
    assert!(d(&hi) - d(&lo) > 0.1, "{} vs {}", d(&hi), d(&lo));
}

#[test]
fn aligning_with_the_buyer_raises_supplier_dependence() {
    let none = with(|p| {
        p.coefficients.dependence.alignment = 0.0;
        p.mechanisms.exit = false;
    });
    let strong = with(|p| {
        p.coefficients.dependence.alignment = 2.0;
        p.mechanisms.exit = false;
    });
    let d = |p: &Params| mean_at(p, 60, |r| r.supplier_dependence);
    assert!(d(&strong) > d(&none));
}

#[test]
fn exclusive_knowledge_raises_buyer_dependence() {
    let f = |x: f64| {
        with(move |p| {
            p.relationship.knowledge_exclusivity = x;
            p.mechanisms.exit = false;
        })
    };
    let d = |p: &Params| mean_at(p, 60, |r| r.buyer_dependence);
    assert!(d(&f(1.0)) > d(&f(0.0)));
}

#[test]
fn exclusivity_cuts_supplier_alternatives_and_raises_its_dependence() {
    let free = with(|p| p.mechanisms.exit = false);
    let bound = with(|p| {
        p.relationship.exclusivity = 1.0;
        p.mechanisms.exit = false;
    });
    let d = |p: &Params| mean_at(p, 36, |r| r.supplier_dependence);
    assert!(d(&bound) > d(&free));
}

#[test]
fn knowledge_depreciates_and_saturates() {
    let kept = with(|p| p.dynamics.knowledge_depreciation = 0.0);
    let worn = with(|p| p.dynamics.knowledge_depreciation = 0.05);
    assert!(mean_of(&worn, |o| o.knowledge) < mean_of(&kept, |o| o.knowledge));
    // Bounded: doubling the horizon from 120 to 240 months adds less than half.
    let long = with(|p| {
        p.months = 240;
        p.mechanisms.exit = false;
    });
    let k120 = mean_at(&long, 120, |r| r.knowledge);
    let k240 = mean_at(&long, 240, |r| r.knowledge);
    assert!(k240 < 1.5 * k120, "{k120} -> {k240}");
}

#[test]
fn dissolution_rises_smoothly_with_buyer_alternatives() {
    let rate = |a: f64| {
        mean_of(&with(|p| p.buyer.alternatives = a), |o| {
            f64::from(u8::from(o.final_phase == Phase::Dissolved))
        })
    };
    let r: Vec<f64> = [0.4, 0.5, 0.6, 0.7].into_iter().map(rate).collect();
    for w in r.windows(2) {
        assert!(w[1] >= w[0] - 0.03, "{r:?}");
        // No knife-edge between neighbouring levels.
        assert!(w[1] - w[0] < 0.5, "{r:?}");
    }
    assert!(r[3] > r[0], "{r:?}");
}

#[test]
fn both_sides_exit_and_dissolution_continues_after_three_years() {
    let long = with(|p| p.months = 120);
    let (mut supplier, mut buyer, mut late) = (0, 0, 0);
    for seed in 0..N {
        let o = simulate(&long, seed);
        supplier += u32::from(o.end_reason == EndReason::SupplierExit);
        buyer += u32::from(o.end_reason == EndReason::BuyerExit);
        late += u32::from(o.final_phase == Phase::Dissolved && o.months > 36);
    }
    assert!(
        supplier > 0 && buyer > 0 && late > 0,
        "{supplier} {buyer} {late}"
    );
}

#[test]
fn forward_looking_buyer_restrains_power_use() {
    let myopic = with(|p| p.mechanisms.forward_looking = false);
    let forward = with(|p| p.mechanisms.forward_looking = true);
    let power = |p: &Params| mean_of(p, |o| o.mean_buyer_power_use);
    assert!(power(&forward) < power(&myopic));
    // A more patient buyer restrains itself more.
    let patient = with(|p| p.buyer.discount = 0.995);
    let impatient = with(|p| p.buyer.discount = 0.5);
    assert!(power(&patient) < power(&impatient));
}

#[test]
fn patient_supplier_invests_more() {
    let patient = with(|p| p.supplier.discount = 0.995);
    let impatient = with(|p| p.supplier.discount = 0.5);
    assert!(mean_of(&patient, |o| o.investment) > mean_of(&impatient, |o| o.investment));
}

#[test]
fn current_sales_motive_lets_engagement_fall() {
    let f = |x: f64| {
        with(move |p| {
            p.buyer.exploration = x;
            p.buyer.champion = 0.0;
        })
    };
    let sales = f(0.0);
    assert!(mean_of(&sales, |o| o.engagement) < sales.buyer.engagement);
    assert!(mean_of(&f(0.9), |o| o.engagement) > mean_of(&sales, |o| o.engagement));
}

#[test]
fn buyer_coinvests_and_is_locked_in() {
    let on = with(|p| {
        p.coefficients.coinvestment.scale = 5.0;
        p.mechanisms.exit = false;
    });
    let off = with(|p| {
        p.mechanisms.buyer_coinvestment = false;
        p.mechanisms.exit = false;
    });
    assert!(mean_of(&on, |o| o.buyer_investment) > 0.0);
    assert_eq!(mean_of(&off, |o| o.buyer_investment), 0.0);
    let d = |p: &Params| mean_at(p, 48, |r| r.buyer_dependence);
    assert!(d(&on) > d(&off));
}

#[test]
fn buyer_need_keeps_the_buyer() {
    let exits = |need: f64| {
        mean_of(
            &with(|p| {
                p.buyer.need = need;
                p.buyer.alternatives = 0.8;
            }),
            |o| f64::from(u8::from(o.end_reason == EndReason::BuyerExit)),
        )
    };
    assert!(exits(1.0) < exits(0.2));
}

#[test]
fn trust_remembers_its_start() {
    let f = |t: f64| with(move |p| p.supplier.trust = t);
    let gap =
        mean_at(&f(0.8), 22, |r| r.supplier_trust) - mean_at(&f(0.2), 22, |r| r.supplier_trust);
    assert!(gap > 0.1, "{gap}");
}

#[test]
fn forbearance_builds_trust() {
    let none = with(|p| p.coefficients.trust.forbearance = 0.0);
    let some = with(|p| p.coefficients.trust.forbearance = 1.0);
    assert!(mean_of(&some, |o| o.supplier_trust) > mean_of(&none, |o| o.supplier_trust));
}

#[test]
fn champion_can_leave_and_the_bridge_is_lost() {
    let stays = with(|p| {
        p.buyer.champion = 1.0;
        p.buyer.champion_hazard = 0.0;
    });
    let leaves = with(|p| {
        p.buyer.champion = 1.0;
        p.buyer.champion_hazard = 0.2;
    });
    assert_eq!(
        mean_of(&stays, |o| f64::from(u8::from(o.champion_left))),
        0.0
    );
    assert!(mean_of(&leaves, |o| f64::from(u8::from(o.champion_left))) > 0.9);
    assert!(mean_of(&leaves, |o| o.supplier_trust) < mean_of(&stays, |o| o.supplier_trust));
    assert!(mean_of(&leaves, |o| o.engagement) < mean_of(&stays, |o| o.engagement));
}

#[test]
fn trust_built_up_decides_escalation_or_exit_in_a_crisis() {
    let crisis = |t: f64| {
        with(move |p| {
            p.events.shock_rate = 0.3;
            p.supplier.trust = t;
            p.buyer.trust = t;
            p.dynamics.trust_rate = 0.05;
        })
    };
    let (high, low) = (crisis(0.9), crisis(0.2));
    assert!(mean_of(&high, |o| o.investment) > mean_of(&low, |o| o.investment));
    let exit = |o: &RunOutcome| f64::from(u8::from(o.end_reason == EndReason::SupplierExit));
    assert!(mean_of(&high, exit) < mean_of(&low, exit));
}

#[test]
fn preparation_has_chance() {
    let p = with(|_| {});
    let months: Vec<f64> = (0..N)
        .map(|s| f64::from(simulate(&p, s).months_in[0]))
        .collect();
    let mean = months.iter().sum::<f64>() / N as f64;
    let var = months.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (N - 1) as f64;
    assert!(var.sqrt() >= 1.0, "sd {}", var.sqrt());
    let delays = with(|p| p.dynamics.delay_rate = 0.5);
    assert!(mean_of(&delays, |o| f64::from(o.months_in[0])) > mean);
}

#[test]
fn skipping_execution_is_a_noisy_choice() {
    let near = with(|p| {
        p.buyer.perceived_capability = 0.55;
        p.supplier.capability = 0.55;
        p.dynamics.skip_threshold = 0.55;
        p.coefficients.transitions.skip_temperature = 0.2;
    });
    let skipped = mean_of(&near, |o| f64::from(u8::from(o.skipped_execution)));
    assert!(skipped > 0.05 && skipped < 0.95, "{skipped}");
}

#[test]
fn temptation_raises_power_use_against_a_capable_supplier() {
    let f = |on: bool| {
        with(move |p| {
            p.mechanisms.temptation = on;
            p.buyer.perceived_capability = 0.9;
            p.supplier.capability = 0.9;
        })
    };
    assert!(
        mean_of(&f(true), |o| o.mean_buyer_power_use)
            > mean_of(&f(false), |o| o.mean_buyer_power_use)
    );
}

#[test]
fn productive_coercion_raises_value_created() {
    let f = |on: bool| {
        with(move |p| {
            p.mechanisms.productive_coercion = on;
            p.buyer.power_willingness = 1.0;
            p.power.coercion_cost = 0.0;
            p.mechanisms.exit = false;
        })
    };
    assert!(mean_of(&f(true), |o| o.value_created) > mean_of(&f(false), |o| o.value_created));
}

#[test]
fn nash_split_follows_outside_options() {
    let f = |out: f64| {
        with(move |p| {
            p.mechanisms.nash_bargaining = true;
            p.relationship.supplier_outside_value = out;
            p.mechanisms.exit = false;
        })
    };
    assert!(mean_of(&f(30.0), |o| o.supplier_share) > mean_of(&f(0.0), |o| o.supplier_share));
}

#[test]
fn joint_dependence_keeps_partners_together() {
    let f = |on: bool| {
        with(move |p| {
            p.mechanisms.joint_dependence = on;
            p.months = 120;
        })
    };
    let dissolved = |o: &RunOutcome| f64::from(u8::from(o.final_phase == Phase::Dissolved));
    assert!(mean_of(&f(true), dissolved) < mean_of(&f(false), dissolved));
}

#[test]
fn institutionalisation_reduces_novel_projects() {
    let f = |r: f64| {
        with(move |p| {
            p.coefficients.novel.rigidity = r;
            p.months = 180;
            p.events.novel_rate = 0.3;
            p.mechanisms.exit = false;
        })
    };
    assert!(
        mean_of(&f(1.0), |o| f64::from(o.novel_projects))
            < mean_of(&f(0.0), |o| f64::from(o.novel_projects))
    );
}
