//! The shipped proposition battery, compiled into the binary: one scenario file for each
//! of P1–P15 of the 18-dyad study and each claim of the two-case studies.

/// `(file name, TOML text)` of every battery file: P1–P15, then the two-case claims.
pub const BATTERY: &[(&str, &str)] = &[
    (
        "p01_preparation_alignment.toml",
        include_str!("../../scenarios/propositions/p01_preparation_alignment.toml"),
    ),
    (
        "p02_buyer_engagement.toml",
        include_str!("../../scenarios/propositions/p02_buyer_engagement.toml"),
    ),
    (
        "p03_experience_balance.toml",
        include_str!("../../scenarios/propositions/p03_experience_balance.toml"),
    ),
    (
        "p04_lock_in.toml",
        include_str!("../../scenarios/propositions/p04_lock_in.toml"),
    ),
    (
        "p05_division_of_work.toml",
        include_str!("../../scenarios/propositions/p05_division_of_work.toml"),
    ),
    (
        "p06_benefits_execution.toml",
        include_str!("../../scenarios/propositions/p06_benefits_execution.toml"),
    ),
    (
        "p07_capacity_solidifies.toml",
        include_str!("../../scenarios/propositions/p07_capacity_solidifies.toml"),
    ),
    (
        "p08_relative_value.toml",
        include_str!("../../scenarios/propositions/p08_relative_value.toml"),
    ),
    (
        "p09_perceived_value.toml",
        include_str!("../../scenarios/propositions/p09_perceived_value.toml"),
    ),
    (
        "p10_outside_capability.toml",
        include_str!("../../scenarios/propositions/p10_outside_capability.toml"),
    ),
    (
        "p11_institutionalisation.toml",
        include_str!("../../scenarios/propositions/p11_institutionalisation.toml"),
    ),
    (
        "p12_reduced_flexibility.toml",
        include_str!("../../scenarios/propositions/p12_reduced_flexibility.toml"),
    ),
    (
        "p13_external_events.toml",
        include_str!("../../scenarios/propositions/p13_external_events.toml"),
    ),
    (
        "p14_novel_projects.toml",
        include_str!("../../scenarios/propositions/p14_novel_projects.toml"),
    ),
    (
        "p15_ongoing_collaboration.toml",
        include_str!("../../scenarios/propositions/p15_ongoing_collaboration.toml"),
    ),
    (
        "c1_champion.toml",
        include_str!("../../scenarios/propositions/c1_champion.toml"),
    ),
    (
        "c2_investment_knowledge.toml",
        include_str!("../../scenarios/propositions/c2_investment_knowledge.toml"),
    ),
    (
        "c3_crisis_response.toml",
        include_str!("../../scenarios/propositions/c3_crisis_response.toml"),
    ),
    (
        "c4_failure_configuration.toml",
        include_str!("../../scenarios/propositions/c4_failure_configuration.toml"),
    ),
    (
        "c5_portable_learning.toml",
        include_str!("../../scenarios/propositions/c5_portable_learning.toml"),
    ),
    (
        "c6_no_champion.toml",
        include_str!("../../scenarios/propositions/c6_no_champion.toml"),
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn battery_lists_every_file_of_the_folder() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/propositions");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<&str> = super::BATTERY.iter().map(|(n, _)| *n).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }
}
